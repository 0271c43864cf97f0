# Origin: mozilla/treeherder@dc3080dd746d4732d5e06c0272471834d4639da0 treeherder/workers/stats.py:24
from celery import shared_task


@shared_task(name="publish-stats")
def publish_stats():
    pass

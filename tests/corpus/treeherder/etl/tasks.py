# Origin: mozilla/treeherder@dc3080dd746d4732d5e06c0272471834d4639da0 treeherder/etl/tasks/pulse_tasks.py
# (lines 19, 45, 58) and treeherder/etl/tasks/pushlog_tasks.py (lines 8-17): the task declarations.
from celery import shared_task

from tests.corpus.treeherder.workers.task import retryable_task


@retryable_task(name="store-pulse-tasks", max_retries=10)
def store_pulse_tasks(pulse_job, exchange, routing_key, root_url="https://firefox-ci-tc.services.mozilla.com"):
    pass


@retryable_task(name="store-pulse-pushes", max_retries=10)
def store_pulse_pushes(body, exchange, routing_key, root_url="https://firefox-ci-tc.services.mozilla.com"):
    pass


@retryable_task(name="store-pulse-pushes-classification", max_retries=10)
def store_pulse_tasks_classification(pulse_job, exchange, routing_key, root_url=None):
    pass


@shared_task(name="fetch-push-logs")
def fetch_push_logs():
    pass


@shared_task(name="fetch-hg-push-logs", soft_time_limit=10 * 60)
def fetch_hg_push_log(repo_name, repo_url):
    pass

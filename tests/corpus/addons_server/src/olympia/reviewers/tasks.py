# Origin: mozilla/addons-server src/olympia/reviewers/tasks.py: the task declarations the
# routes in settings_base.py name (bodies left out), declared with olympia.amo.celery's @task.
from olympia.amo.celery import task


@task
def recalculate_post_review_weight(*args, **kwargs):
    pass

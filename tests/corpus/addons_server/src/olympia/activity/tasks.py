# Origin: mozilla/addons-server src/olympia/activity/tasks.py: the task declarations the
# routes in settings_base.py name (bodies left out), declared with olympia.amo.celery's @task.
from olympia.amo.celery import task


@task
def process_email(*args, **kwargs):
    pass

# Origin: mozilla/addons-server src/olympia/accounts/tasks.py: the task declarations the
# routes in settings_base.py name (bodies left out), declared with olympia.amo.celery's @task.
from olympia.amo.celery import task


@task
def primary_email_change_event(*args, **kwargs):
    pass


@task
def delete_user_event(*args, **kwargs):
    pass

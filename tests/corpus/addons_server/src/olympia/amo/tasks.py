# Origin: mozilla/addons-server src/olympia/amo/tasks.py: the task declarations the
# routes in settings_base.py name (bodies left out), declared with olympia.amo.celery's @task.
from olympia.amo.celery import task


@task
def delete_anonymous_collections(*args, **kwargs):
    pass


@task
def delete_logs(*args, **kwargs):
    pass


@task
def send_email(*args, **kwargs):
    pass


@task
def set_modified_on_object(*args, **kwargs):
    pass


@task
def sync_object_to_basket(*args, **kwargs):
    pass

# Origin: mozilla/addons-server src/olympia/users/tasks.py: the task declarations the
# routes in settings_base.py name (bodies left out), declared with olympia.amo.celery's @task.
from olympia.amo.celery import task


@task
def resize_photo(*args, **kwargs):
    pass


@task
def delete_photo(*args, **kwargs):
    pass


@task
def update_user_ratings_task(*args, **kwargs):
    pass

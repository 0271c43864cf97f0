# Origin: mozilla/addons-server src/olympia/versions/tasks.py: the task declarations the
# routes in settings_base.py name (bodies left out), declared with olympia.amo.celery's @task.
from olympia.amo.celery import task


@task
def generate_static_theme_preview(*args, **kwargs):
    pass


@task
def delete_preview_files(*args, **kwargs):
    pass

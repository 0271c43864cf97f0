# Origin: mozilla/addons-server src/olympia/files/tasks.py: the task declarations the
# routes in settings_base.py name (bodies left out), declared with olympia.amo.celery's @task.
from olympia.amo.celery import task


@task
def repack_fileupload(*args, **kwargs):
    pass


@task
def hide_disabled_files(*args, **kwargs):
    pass


@task
def extract_optional_permissions(*args, **kwargs):
    pass

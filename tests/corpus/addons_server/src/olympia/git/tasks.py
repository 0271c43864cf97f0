# Origin: mozilla/addons-server src/olympia/git/tasks.py: the task declarations the
# routes in settings_base.py name (bodies left out), declared with olympia.amo.celery's @task.
from olympia.amo.celery import task


@task
def continue_git_extraction(*args, **kwargs):
    pass


@task
def extract_versions_to_git(*args, **kwargs):
    pass


@task
def on_extraction_error(*args, **kwargs):
    pass


@task
def remove_git_extraction_entry(*args, **kwargs):
    pass

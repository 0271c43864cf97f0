# Origin: mozilla/addons-server src/olympia/tags/tasks.py: the task declarations the
# routes in settings_base.py name (bodies left out), declared with olympia.amo.celery's @task.
from olympia.amo.celery import task


@task
def update_all_tag_stats(*args, **kwargs):
    pass


@task
def update_tag_stat(*args, **kwargs):
    pass

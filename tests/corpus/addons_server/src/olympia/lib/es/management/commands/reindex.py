# Origin: mozilla/addons-server src/olympia/lib/es/management/commands/reindex.py: the task declarations the
# routes in settings_base.py name (bodies left out), declared with olympia.amo.celery's @task.
from olympia.amo.celery import task


@task
def create_new_index(*args, **kwargs):
    pass


@task
def delete_indexes(*args, **kwargs):
    pass


@task
def flag_database(*args, **kwargs):
    pass


@task
def unflag_database(*args, **kwargs):
    pass


@task
def update_aliases(*args, **kwargs):
    pass

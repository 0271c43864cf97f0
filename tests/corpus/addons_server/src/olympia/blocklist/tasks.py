# Origin: mozilla/addons-server src/olympia/blocklist/tasks.py: the task declarations the
# routes in settings_base.py name (bodies left out), declared with olympia.amo.celery's @task.
from olympia.amo.celery import task


@task
def process_blocklistsubmission(*args, **kwargs):
    pass


@task
def import_block_from_blocklist(*args, **kwargs):
    pass


@task
def delete_imported_block_from_blocklist(*args, **kwargs):
    pass


@task
def upload_filter(*args, **kwargs):
    pass


@task
def cleanup_old_files(*args, **kwargs):
    pass

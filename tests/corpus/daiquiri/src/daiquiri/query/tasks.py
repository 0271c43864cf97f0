# Origin: django-daiquiri/daiquiri@dfa44ad6134ca6a0f204c68bdc1333ddb52318ad daiquiri/query/tasks.py:15-355:
# the task declarations (bodies left out).
from celery import Task, shared_task


class RunQueryTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        pass


@shared_task(base=RunQueryTask)
def run_query(job_id):
    pass


@shared_task(base=Task)
def run_ingest(job_id, file_path):
    pass


@shared_task(base=Task)
def create_download_file(download_id):
    pass


@shared_task(track_started=True, base=Task)
def create_archive_file(archive_id):
    pass


@shared_task(base=Task)
def rename_table(schema_name, table_name, new_table_name):
    pass


@shared_task(base=Task)
def drop_table(schema_name, table_name):
    pass


@shared_task(base=Task)
def abort_query(pid):
    pass

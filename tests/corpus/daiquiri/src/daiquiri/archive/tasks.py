# Origin: django-daiquiri/daiquiri@dfa44ad6134ca6a0f204c68bdc1333ddb52318ad daiquiri/archive/tasks.py:13
from celery import Task, shared_task


@shared_task(track_started=True, base=Task)
def create_archive_zip_file(archive_job_id, file_ids):
    pass

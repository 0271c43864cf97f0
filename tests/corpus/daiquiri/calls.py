"""Call sites of django-daiquiri/daiquiri@dfa44ad6134ca6a0f204c68bdc1333ddb52318ad:
- daiquiri/query/models.py:230   run_query.apply_async((job_id, ), task_id=job_id, queue='query', priority=self.priority)
- daiquiri/query/models.py:283   run_ingest.apply_async((self.id, file_path), queue='download')
- daiquiri/query/models.py:325   rename_table.apply_async(task_args)   (and drop_table, abort_query: no options)
- daiquiri/query/models.py:476   create_download_file.apply_async((download_id, ), task_id=download_id, queue='download')
- daiquiri/query/models.py:581   create_archive_file.apply_async((archive_id, ), task_id=archive_id, queue='download')
- daiquiri/archive/models.py:172 create_archive_zip_file.apply_async((archive_job_id, ), task_id=archive_job_id, queue='download')"""

from tests.corpus import Call


def _sent(task, args, **options):
    def send(app, task_id):
        return app.tasks[task].apply_async(args, task_id=task_id, **options)

    return send


CALLS = [
    *(
        Call(
            f"run_query priority {p}",
            "daiquiri/query/models.py:230",
            _sent("daiquiri.query.tasks.run_query", (1,), queue="query", priority=p),
        )
        for p in (1, 5)
    ),
    Call(
        "run_ingest",
        "daiquiri/query/models.py:283",
        _sent("daiquiri.query.tasks.run_ingest", (1, "f.csv"), queue="download"),
    ),
    Call("rename_table", "daiquiri/query/models.py:325", _sent("daiquiri.query.tasks.rename_table", ("s", "t", "u"))),
    Call(
        "create_download_file",
        "daiquiri/query/models.py:476",
        _sent("daiquiri.query.tasks.create_download_file", (1,), queue="download"),
    ),
    Call(
        "create_archive_file",
        "daiquiri/query/models.py:581",
        _sent("daiquiri.query.tasks.create_archive_file", (1,), queue="download"),
    ),
    Call(
        "create_archive_zip_file",
        "daiquiri/archive/models.py:172",
        _sent("daiquiri.archive.tasks.create_archive_zip_file", (1,), queue="download"),
    ),
]

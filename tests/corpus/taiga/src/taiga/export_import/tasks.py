# Origin: taigaio/taiga-back@3bea7114007afd83478a8d6f2a70afd70d94dc21 taiga/export_import/tasks.py:31, :69
from taiga.celery import app


@app.task(bind=True)
def dump_project(self, user, project, dump_format):
    pass


@app.task
def delete_project_dump(project_id, project_slug, task_id, dump_format):
    pass

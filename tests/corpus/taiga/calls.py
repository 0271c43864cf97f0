"""Call sites of taigaio/taiga-back@3bea7114007afd83478a8d6f2a70afd70d94dc21:
- taiga/export_import/api.py:64   tasks.dump_project.delay(request.user, project, dump_format)
- taiga/export_import/api.py:65   tasks.delete_project_dump.apply_async((project.pk, project.slug, task.id,
                                  dump_format), countdown=settings.EXPORTS_TTL)
(the other calls are .delay() of tasks with no routing options: sending every registered task covers them)."""

from tests.corpus import Call


def _dump(app, task_id):
    return app.tasks["taiga.export_import.tasks.dump_project"].apply_async((1, 2, "plain"), task_id=task_id)


def _delete_dump(app, task_id):
    task = app.tasks["taiga.export_import.tasks.delete_project_dump"]
    return task.apply_async((1, "project", "id", "plain"), countdown=60 * 60 * 24, task_id=task_id)


CALLS = [
    Call("dump_project.delay", "taiga/export_import/api.py:64", _dump),
    Call("delete_project_dump countdown", "taiga/export_import/api.py:65", _delete_dump),
]

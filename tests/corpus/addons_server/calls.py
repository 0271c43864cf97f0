"""Call sites of mozilla/addons-server: tasks are sent with .delay()/apply_async() and no routing options
(every route is in CELERY_TASK_ROUTES: "always add routes here instead of @task(queue=<name>)"), e.g.
src/olympia/addons/tasks.py `index_addons.delay(ids)`, src/olympia/devhub/tasks.py
`validate_file.si(...)` in a chain, src/olympia/amo/celery.py `create_chunked_tasks_signatures` (task.si in a
group). Sending every registered task plainly covers them; one group of signatures is reproduced."""

from celery import group

from tests.corpus import Call


def _group(app, task_id):
    index = app.tasks["olympia.addons.tasks.index_addons"]
    return group([index.si([1, 2])]).apply_async(task_id=task_id)


CALLS = [Call("index_addons chunks in a group", "src/olympia/amo/celery.py:create_chunked_tasks_signatures", _group)]

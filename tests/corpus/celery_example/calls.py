"""The call site of st4lk/celery_example@5fa889455654338d3ec11e8b2a0755057a6abb56, app/src/server.py:97
`task_func.apply_async(kwargs=kwargs, **options)`, options from the request: queue (e.g. 'dedicated', as
its page suggests), priority, countdown, and routing_key='broadcast_tasks' for broadcast_task; :17-18 a
chained (linked) signature, simple_task.si(...).link(second_simple_task.si(...))."""

from tests.corpus import Call


def _sent(task, **options):
    def send(app, task_id):
        return app.tasks[task].apply_async(kwargs={"wait_time": 1}, task_id=task_id, **options)

    return send


def _chained(app, task_id):
    signature = app.tasks["tasks.regular.simple_task"].si(some_param=5, wait_time=1)
    signature.link(app.tasks["tasks.regular.second_simple_task"].si(another_param=8, wait_time=1))
    return signature.apply_async(task_id=task_id)


CALLS = [
    Call("simple_task queue=dedicated", "app/src/server.py:97", _sent("tasks.regular.simple_task", queue="dedicated")),
    Call("critical_task priority=5", "app/src/server.py:97", _sent("tasks.critical.critical_task", priority=5)),
    Call("task_a_one countdown=10", "app/src/server.py:97", _sent("tasks.advanced.task_a_one", countdown=10)),
    Call(
        "broadcast_task routing_key",
        "app/src/server.py:97",
        _sent("tasks.broadcast.broadcast_task", routing_key="broadcast_tasks"),
    ),
    Call("chained_aka_linked_task", "app/src/server.py:17", _chained),
]

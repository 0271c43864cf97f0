"""Call sites of jurelou/salver@059684643ae5271741e24e6eac782250ee369a79: v1/opulence/common/celery/utils.py:11,
:19 `app.send_task(task_path, **kwargs)` (sync_call and async_call), used as e.g.
`sync_call(App, "collectors:list_collectors")` and `async_call(App, "collectors:execute_collector_by_name",
args=[...])` (v1/opulence/engine/collector_tasks.py)."""

from tests.corpus import Call


def _send_task(path, **kwargs):
    def send(app, task_id):
        return app.send_task(path, task_id=task_id, **kwargs)

    return send


CALLS = [
    Call(
        "sync_call list_collectors", "v1/opulence/common/celery/utils.py:11", _send_task("collectors:list_collectors")
    ),
    Call(
        "async_call execute_collector_by_name",
        "v1/opulence/common/celery/utils.py:19",
        _send_task("collectors:execute_collector_by_name", args=["dummy", {}]),
    ),
    Call("send_task ping", "v1/opulence/common/celery/utils.py:19", _send_task("ping")),
]

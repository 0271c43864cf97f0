# mypy: disallow-untyped-decorators=False
# (@app.task is Celery's, unannotated, as in tasks/)
"""The apps of the live precedence test: `app`, configured from $TOPOLOGY_FILE, and `stock`, a stock Celery
app with the same queues and routes (tests/stock_celery.py). Each registers the same tasks, each way a task
can name its own destination, and the same router function ahead of the file's routes:
`celery -A tests.live.precedence_tasks worker` runs the first, `celery -A tests.live.precedence_tasks:stock
worker` the second."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, Task

from tests.stock_celery import stock_app
from topology.celery_adapter.config import configure
from topology.language.loader import FILE_ENV, load_topology
from topology.model import Topology

ROUTED_BY_FUNCTION = "prec.by_function"
OWN_QUEUE = "for_task_B"
CLASS_QUEUE = "for_task_A"
OWN_EXCHANGE = ("for_task_A", "for_task_A")


def by_function(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **_: Any) -> dict[str, str] | None:
    """A router function ahead of the file's routes (`task_routes = [by_function, {...}]`)."""
    return {"queue": "for_task_B"} if name == ROUTED_BY_FUNCTION else None


def multiply(x: int, y: int) -> int:
    return x * y


def delivery_after_retry(task: Any) -> dict[str, Any]:
    """Retried once (as sent: no destination of its own), then where the retry was delivered from."""
    if task.request.retries == 0:
        raise task.retry(countdown=0)
    info = task.request.delivery_info or {}
    return {"exchange": info.get("exchange"), "routing_key": info.get("routing_key")}


class ClassQueueTask(Task):  # type: ignore[misc]  # Celery's class is untyped
    """A task class that names its queue as a class attribute."""

    name = "prec.class_queue"
    queue = CLASS_QUEUE

    def run(self, x: int, y: int) -> int:
        return x + y


def register(app: Celery) -> Celery:
    for name in ("prec.taskA", "prec.taskB", "prec.add", "prec.report", ROUTED_BY_FUNCTION):
        app.task(name=name, shared=False)(multiply)
    app.task(name="prec.own_queue", shared=False, queue=OWN_QUEUE)(multiply)
    app.task(name="prec.own_over_route", shared=False, queue=OWN_QUEUE)(multiply)
    exchange, routing_key = OWN_EXCHANGE
    app.task(name="prec.own_exchange", shared=False, exchange=exchange, routing_key=routing_key)(multiply)
    app.task(name="prec.retried", shared=False, bind=True)(delivery_after_retry)
    app.register_task(type(ClassQueueTask.__name__, (ClassQueueTask,), {})())  # a class binds to one app
    app.conf.task_routes = [by_function, app.conf.task_routes]
    return app


def configured(topology: Topology, broker_url: str | None = None) -> Celery:
    return register(configure(Celery("precedence", set_as_current=False), topology, broker_url))


def stock_of(topology: Topology, broker_url: str) -> Celery:
    app = stock_app(topology, broker_url)
    app.conf.result_backend = os.environ.get("CELERY_RESULT_BACKEND", "rpc://")
    return register(app)


if FILE_ENV in os.environ:  # started as a worker
    app = configured(load_topology())
    stock = stock_of(load_topology(), app.conf.broker_url)

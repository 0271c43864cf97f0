"""The Celery app, configured entirely from routing.yaml ($TOPOLOGY_FILE, else ./routing.yaml).

Workers consume their own queues: ``celery -A tasks worker -Q for_task_A``.
"""

from __future__ import annotations

from celery import Celery

from topology.celery_adapter.config import configure
from topology.language.loader import load_topology

app = configure(Celery("tasks"), load_topology())


@app.task
def taskA(x: int, y: int) -> int:  # noqa: N802 - the task names the seed's clients call
    return x * y


@app.task
def taskB(x: int, y: int, z: int) -> int:  # noqa: N802
    return x + y + z


@app.task
def add(x: int, y: int) -> int:
    return x + y

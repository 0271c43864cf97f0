"""The Celery app, configured entirely from routing.yaml ($TOPOLOGY_FILE, else ./routing.yaml).

Workers consume their own queues: ``celery -A tasks worker -Q for_task_A``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from celery import Celery

from topology.celery_adapter.config import configure
from topology.errors import InvalidTopology
from topology.language.loader import FILE_ENV, load_topology, topology_path

try:
    topology = load_topology()
except InvalidTopology as invalid:  # `celery -A tasks ...` would print a traceback: one line a problem instead
    missing = not Path(topology_path()).is_file()
    fix = f": start Celery from the folder that holds it, or set {FILE_ENV}=/path/to/routing.yaml" if missing else ""
    print(f"{invalid}{fix}", file=sys.stderr)
    raise SystemExit(invalid.exit_code) from None

app = configure(Celery("tasks"), topology)


@app.task
def taskA(x: int, y: int) -> int:  # noqa: N802 - the task names the seed's clients call
    return x * y


@app.task
def taskB(x: int, y: int, z: int) -> int:  # noqa: N802
    return x + y + z


@app.task
def add(x: int, y: int) -> int:
    return x + y

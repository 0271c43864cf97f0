# mypy: disallow-untyped-decorators=False
# (@app.task is Celery's, unannotated, as in tasks/)
"""Tasks for live tests of faults, configured from $TOPOLOGY_FILE: `celery -A tests.live.fault_tasks worker`.

`die` kills the pool process that runs it (as a segfault or the OOM killer would), after leaving one file
in `runs` per run, so that a test counts the runs without asking the worker.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

from celery import Celery

from topology.celery_adapter.config import configure
from topology.language.loader import load_topology

app = configure(Celery("fault_tasks"), load_topology())


@app.task(name="faults.die")
def die(runs: str) -> None:
    (Path(runs) / uuid.uuid4().hex).touch()
    os._exit(1)


@app.task(name="faults.echo")
def echo(value: int) -> int:
    return value


@app.task(name="faults.retry_once", bind=True)
def retry_once(self: Any, value: int) -> int:
    if self.request.retries == 0:
        raise self.retry(countdown=1)
    return value


@app.task(name="faults.where", bind=True)
def where(self: Any) -> dict[str, Any]:
    """Where the task came from and the eta it carries, as the worker received it."""
    return {"exchange": self.request.delivery_info.get("exchange"), "eta": self.request.eta}


@app.task(name="faults.sleep")
def sleep(seconds: float) -> float:
    """A task longer than the broker's consumer_timeout when asked to be."""
    time.sleep(seconds)
    return seconds

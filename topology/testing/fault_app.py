"""The fault harness's Celery app and client: the project's generated settings, unchanged, and tasks that
say what happened to them in files rather than through a result backend (which the faults would disturb).

Workers run ``celery -A topology.testing.fault_app worker``; the client is ``python -m
topology.testing.fault_app COUNT INTERVAL TASK [COUNTDOWN]``. Both read routing.yaml from $TOPOLOGY_FILE and the
broker (or Celery's failover list) from $CELERY_BROKER_URL, as any app configured from the file does, and
write into $FAULT_RESULTS_DIR:
  sent       one line per publish attempt, the task id and the time, before `apply_async` is called
  accepted   the id and the time once `apply_async` returned
  raised     the id, the time and the error, when it raised at the caller
  started    the id each time a worker starts running the task (a poison task starts many times)
  completed  the id and the time each time a task finished its work (twice: a duplicate)
Each line is one small `O_APPEND` write, so lines of concurrent writers never interleave.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from celery import Celery

from topology.celery_adapter.config import configure
from topology.language.loader import load_topology
from topology.testing.faults import POISON, RECORD, RESULTS_ENV

app = configure(Celery("fault"), load_topology())


def note(kind: str, line: str) -> None:
    path = Path(os.environ[RESULTS_ENV]) / kind
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, (line + "\n").encode())
    finally:
        os.close(descriptor)


@app.task(name=RECORD, bind=True)
def record(self: Any, seconds: float) -> None:
    """Work for `seconds`, then note the completion: killed before the note, the task did not complete."""
    task_id = str(self.request.id)
    note("started", task_id)
    time.sleep(seconds)
    note("completed", f"{task_id} {time.time():.3f}")


@app.task(name=POISON, bind=True)
def poison(self: Any, seconds: float) -> None:
    """Kill the process running it, every time: a task that takes its worker down with it."""
    note("started", str(self.request.id))
    os.kill(os.getpid(), signal.SIGKILL)


def send(count: int, interval: float, task_name: str, countdown: float | None) -> None:
    """Publish `count` tasks, `interval` apart, noting each attempt and its outcome; errors are noted, not fatal."""
    task = app.tasks[task_name]
    run = uuid.uuid4().hex[:8]
    for number in range(count):
        task_id = f"{run}-{number}"
        note("sent", f"{task_id} {time.time():.3f}")
        try:
            task.apply_async((0.05,), task_id=task_id, countdown=countdown)
        except Exception as error:  # what the caller is told: the row's `raised`
            reason = str(error).splitlines()[0] if str(error) else ""
            note("raised", f"{task_id} {time.time():.3f} {type(error).__name__}: {reason}")
        else:
            note("accepted", f"{task_id} {time.time():.3f}")
        time.sleep(interval)


if __name__ == "__main__":
    count, interval, task_name = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    send(count, interval, task_name, float(sys.argv[4]) if len(sys.argv) > 4 else None)

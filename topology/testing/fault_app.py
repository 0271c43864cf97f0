"""The fault harness's Celery app and client: the project's generated settings, unchanged, and tasks that
say what happened to them in files rather than through a result backend (which the faults would disturb).

Workers run ``celery -A topology.testing.fault_app worker``; the client is ``python -m
topology.testing.fault_app COUNT INTERVAL TASK COUNTDOWN SECONDS`` (COUNTDOWN `-`, `30` or `0-30`). Both read
routing.yaml from $TOPOLOGY_FILE and the broker (or Celery's failover list) from $CELERY_BROKER_URL, as any app
configured from the file does, and write into $FAULT_RESULTS_DIR:
  sent       one line per publish attempt, the task id and the time, before `apply_async` is called
  accepted   the id and the time once `apply_async` returned
  raised     the id, the time and the error, when it raised at the caller
  started    the id and the time each time a worker starts running the task (a poison task starts many times)
  completed  the id and the time each time a task finished its work (twice: a duplicate)
  due        the id and the time a task sent with a countdown is due
Each line is one small `O_APPEND` write, so lines of concurrent writers never interleave.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from celery import Celery

from topology.celery_adapter.config import configure
from topology.language.loader import load_topology
from topology.testing.faults import BACKOFF, POISON, RECORD, RESULTS_ENV

app = configure(Celery("fault"), load_topology())
BACKOFF_RETRIES = 3


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
    note("started", f"{task_id} {time.time():.3f}")
    time.sleep(seconds)
    note("completed", f"{task_id} {time.time():.3f}")


@app.task(name=BACKOFF, bind=True, max_retries=None)
def backoff(self: Any, seconds: float) -> None:
    """Retry with an exponential backoff (countdown `seconds`, doubled each time) three times, then complete."""
    retries = int(self.request.retries)
    if retries < BACKOFF_RETRIES:
        raise self.retry(countdown=seconds * 2**retries)
    note("completed", f"{self.request.id} {time.time():.3f}")


@app.task(name=POISON, bind=True)
def poison(self: Any, seconds: float) -> None:
    """Kill the process running it, every time: a task that takes its worker down with it."""
    note("started", str(self.request.id))
    os.kill(os.getpid(), signal.SIGKILL)


def countdowns(written: str, count: int) -> list[float | None]:
    """`-`: none; `30`: each 30 s; `0-30`: spread evenly over the range, in a shuffled order."""
    if written == "-":
        return [None] * count
    low, _, high = written.partition("-")
    if not high:
        return [float(low)] * count
    spread = [float(low) + (float(high) - float(low)) * i / max(1, count - 1) for i in range(count)]
    random.Random(count).shuffle(spread)
    return list(spread)


def send(count: int, interval: float, task_name: str, countdown: str, seconds: float) -> None:
    """Publish `count` tasks, `interval` apart, noting each attempt and its outcome; errors are noted, not fatal.
    A task sent with a countdown is noted `due` with the time it is due."""
    task = app.tasks[task_name]
    run = uuid.uuid4().hex[:8]
    for number, delay in enumerate(countdowns(countdown, count)):
        task_id = f"{run}-{number}"
        sent = time.time()
        note("sent", f"{task_id} {sent:.3f}")
        if delay is not None and task_name == RECORD:
            note("due", f"{task_id} {sent + delay:.3f}")
        try:
            task.apply_async((seconds,), task_id=task_id, countdown=delay)
        except Exception as error:  # what the caller is told: the row's `raised`
            reason = str(error).splitlines()[0] if str(error) else ""
            note("raised", f"{task_id} {time.time():.3f} {type(error).__name__}: {reason}")
        else:
            note("accepted", f"{task_id} {time.time():.3f}")
        time.sleep(interval)


if __name__ == "__main__":
    count, interval, task_name, countdown, seconds = sys.argv[1:6]
    send(int(count), float(interval), task_name, countdown, float(seconds))

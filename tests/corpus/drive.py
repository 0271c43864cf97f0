"""Send every task, beat entry and call site of a corpus project with Celery itself, in a process of its own
(Django's settings and shared tasks are per process): `python -m tests.corpus.drive APP CALLS original` with
the project's own settings, as the project runs today (Celery declares its queues, as its workers would), or
`... configured FILE` with the app configured from the imported routing.yaml (the migration's one change;
only the workers' broadcast queues are declared here, as each worker declares its own). The broker is
$CELERY_BROKER_URL. Prints JSON: each case's task id, and each broadcast queue's name per worker -> its name."""

from __future__ import annotations

import importlib
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from celery.app.utils import find_app
from celery.beat import ScheduleEntry, Scheduler
from kombu.common import Broadcast

from topology import configure, load_topology


def main(app_name: str, calls_module: str, mode: str, file: str | None = None) -> None:
    sys.path.insert(0, os.getcwd())
    app = find_app(app_name)
    app.loader.import_default_modules()
    app.conf.broker_url = os.environ["CELERY_BROKER_URL"]
    app.conf.result_backend = None  # where results go changes no routing; the corpus runs no task
    if mode == "configured":
        configure(app, load_topology(Path(str(file))))
        app.conf.result_backend = None
    broadcasts: dict[str, str] = {}
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in app.amqp.queues.values():
            if mode == "original" or isinstance(queue, Broadcast):
                queue(channel).declare()
            if isinstance(queue, Broadcast):
                broadcasts[queue.name] = queue.alias
        cases = send_all(app, calls_module)
        # a configured worker's broadcast queue is exclusive: it goes with this connection, so it is read here
        landed = {name: _drained(channel, name) for name in broadcasts if mode == "configured"}
    print(json.dumps({"cases": cases, "broadcasts": broadcasts, "landed": landed}))


def _drained(channel: Any, queue: str) -> list[str]:
    ids = []
    while (message := channel.basic_get(queue, no_ack=True)) is not None:
        ids.append(str(message.headers.get("id")))
    return ids


def send_all(app: Any, calls_module: str) -> dict[str, str]:
    """Every task plainly, every beat entry as beat sends it, every call site: each case's task id."""
    for task in app.tasks.values():
        task.typing = False  # no task runs here: a send without the task's arguments is still routed the same
    cases: dict[str, str] = {}

    def case(label: str) -> str:
        cases[label] = task_id = str(uuid.uuid4())
        return task_id

    for name in sorted(app.tasks):
        if not name.startswith("celery."):
            app.tasks[name].apply_async(task_id=case(f"task {name}"))
    scheduler = Scheduler(app, lazy=True)
    with app.producer_or_acquire() as producer:
        for name, entry in sorted(dict(app.conf.beat_schedule or {}).items()):
            fields = dict(entry)
            options = {**dict(fields.pop("options", None) or {}), "task_id": case(f"beat {name}")}
            scheduled = ScheduleEntry(name=name, app=app, options=options, **fields)
            scheduler.apply_async(scheduled, producer=producer)
    for call in importlib.import_module(calls_module).CALLS:
        call.send(app, case(f"call {call.label} ({call.where})"))
    return cases


def _main(argv: list[str]) -> Any:
    return main(*argv)


if __name__ == "__main__":
    _main(sys.argv[1:])

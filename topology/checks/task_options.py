"""The destinations the Celery app's tasks name themselves, against the file, and the beat entries'. Pure.

Celery takes each of queue, exchange and routing_key from the call, else from the task's own options
(``@app.task(queue=...)``, a Task class's attributes), else from the route (``topology.routing``). A task's own
option therefore wins over the file's route for every call that names none; a queue it names that the file
lacks fails every such call (QueueNotFound); an option Celery does not follow (a routing_key alone on a
queue of a direct exchange, a queue when an exchange and a key win) misleads whoever reads the task. A beat
entry is a call: what it names wins over the task, except a queue where the task names an exchange and a key.
Each problem points at the file's rule and at the task's place in the app's code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from topology.checks.routes import never_run
from topology.model import Problem, Severity, Topology
from topology.routing import Sending, Source, TaskOptions, celery_sends, entry_sends, not_followed, shown_destination


def check_task_options(topology: Topology, options: Mapping[str, TaskOptions]) -> Iterator[Problem]:
    for task, own in options.items():
        sending = celery_sends(topology, task, own=own.named)
        route = sending.route
        rule = f"route {route.pattern!r}" if route is not None else "default_queue"
        origin = route.origin if route is not None else topology.default_queue_origin
        sets = f"task {task!r} sets {own.named.shown}{_at(own)}"
        if sending.refused is not None:
            yield Problem(
                f"{sets}, but {sending.refused}, for every call that names no destination of its own: declare it "
                "in the file, or change the task's option",
                origin,
            )
            continue
        lost = _lost(topology, sending)
        if lost is not None:
            yield Problem(f"{sets}: {lost}", origin)
            continue
        ignored = [key for key in sending.ignored if sending.chosen[key] is Source.TASK]
        if ignored:
            yield Problem(f"{sets}: {not_followed(sending, ignored)}", origin, Severity.WARNING)
        plain = celery_sends(topology, task)
        if route is not None and sending.delivery.queues != plain.delivery.queues:
            yield Problem(
                f"{sets}, which wins over {rule} (to {_queues(plain)}) for every call that names no destination: "
                f"its tasks land in {_queues(sending)}",
                origin,
                Severity.WARNING,
            )


def check_schedule_options(topology: Topology, options: Mapping[str, TaskOptions]) -> Iterator[Problem]:
    """Schedule entries whose task names a destination itself: where beat's calls land, both merged."""
    for entry in topology.schedule:
        own = options.get(entry.task)
        if own is None:
            continue
        sending = entry_sends(topology, entry, own.named)
        task = f"task {entry.task!r} sets {own.named.shown}{_at(own)}"
        lost = _lost(topology, sending) if sending.refused is None else sending.refused
        if lost is not None:
            yield Problem(f"schedule entry {entry.name!r}: {task}: {lost}", entry.origin)
        elif entry.queue is not None and "queue" in sending.ignored:
            yield Problem(
                f"schedule entry {entry.name!r} names queue {entry.queue!r}, but {task}, which Celery follows over "
                f"the entry's queue: {not_followed(sending, ['queue'])}",
                entry.origin,
            )


def _at(own: TaskOptions) -> str:
    return f" ({own.place})" if own.place else ""


def _lost(topology: Topology, sending: Sending) -> str | None:
    never = never_run(topology, sending.delivery)
    return None if never is None else f"published to {shown_destination(sending.destination)}, {never}"


def _queues(sending: Sending) -> str:
    return ", ".join(repr(q) for q in sending.delivery.queues) or "no queue"

"""Tasks kept by the nets, as a user needs to see them: which task, where it was going, why it is here. Pure.

A task in the unroutable queue still carries the exchange and routing key it was published with (RabbitMQ
keeps them when it passes a message to an alternate exchange). A dead-lettered one carries RabbitMQ's
`x-death` header, newest death first: the reason (rejected, expired, maxlen, delivery_limit), the queue, the
time, how often; its oldest entry names the exchange and routing keys it was first published with. Celery's
protocol 2 headers give the task's name, id and a preview of its arguments (argsrepr, kwargsrepr).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from topology import hints
from topology.codes import Code
from topology.model import Kind, Nets, Ref
from topology.planning.findings import Finding
from topology.planning.poison import COUNT_HEADERS, DELIVERY_COUNT, RUNS_HEADER, failed_runs, published_to

PREVIEW_CHARACTERS = 60
DEATH_HEADERS = ("x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason")
DEATH_HEADER_PREFIXES = ("x-first-death-", "x-last-death-")
NOT_A_TASK = "(not a task)"  # a kept message without Celery's task header


class Net(str, Enum):
    UNROUTABLE = "unroutable"
    DEAD_LETTERS = "dead-letters"

    def queue(self, nets: Nets) -> str | None:
        return nets.unroutable if self is Net.UNROUTABLE else nets.dead_letters

    @property
    def code(self) -> Code:
        """The finding of tasks waiting in this net."""
        return Code.UNROUTABLE_TASKS if self is Net.UNROUTABLE else Code.DEAD_LETTERS_TASKS


@dataclass(frozen=True)
class KeptTask:
    """One message of a net's queue, read without being consumed."""

    task: str | None  # None: not a Celery task message
    id: str | None
    arguments: str  # a short preview
    exchange: str  # where it was first published
    routing_key: str
    reason: str  # unroutable, or RabbitMQ's dead-letter reason
    queue: str | None  # the queue that dead-lettered it
    time: datetime | None  # when it was dead-lettered (RabbitMQ notes no time for unroutable messages)
    deaths: int  # how many times it was dead-lettered
    deliveries: int | None  # deliveries that ended without an ack (quorum queues count them; so do workers)

    def to_json(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "id": self.id,
            "arguments": self.arguments,
            "exchange": self.exchange,
            "routing_key": self.routing_key,
            "reason": self.reason,
            "queue": self.queue,
            "time": self.time.isoformat() if self.time else None,
            "deaths": self.deaths,
            "deliveries": self.deliveries,
        }


def kept_task(
    exchange: str, routing_key: str, headers: Mapping[str, Any] | None, body: bytes, content_type: str | None
) -> KeptTask:
    """A message as basic.get returns it (its exchange and routing key, headers, body), read as a kept task."""
    headers = headers or {}
    deaths = [d for d in headers.get("x-death") or () if isinstance(d, Mapping)]
    task, task_id = _text(headers.get("task")), _text(headers.get("id"))
    preview = _preview(headers, body, content_type)
    deliveries = _deliveries(headers)
    if not deaths:
        return KeptTask(task, task_id, preview, exchange, routing_key, Net.UNROUTABLE.value, None, None, 0, deliveries)
    newest, oldest = deaths[0], deaths[-1]
    keys = oldest.get("routing-keys") or [routing_key]
    first_exchange, first_key = published_to(headers) or (str(oldest.get("exchange", exchange)), str(keys[0]))
    time = newest.get("time")
    return KeptTask(
        task,
        task_id,
        preview,
        first_exchange,
        first_key,
        str(newest.get("reason", "unknown")),
        _text(newest.get("queue")),
        time if isinstance(time, datetime) else None,
        sum(int(d.get("count", 1)) for d in deaths),
        deliveries,
    )


def _deliveries(headers: Mapping[str, Any]) -> int | None:
    """The quorum queue's count; else, on a copy a worker re-published and then rejected, its count plus the
    delivery that was rejected (`planning/poison.py`)."""
    delivered = headers.get(DELIVERY_COUNT)
    if isinstance(delivered, int):
        return delivered
    return failed_runs(headers) + 1 if RUNS_HEADER in headers else None


def replay_headers(headers: Mapping[str, Any] | None) -> dict[str, Any]:
    """The headers a replayed task is sent with: its own, without RabbitMQ's record of its deaths (which
    RabbitMQ writes afresh should it be dead-lettered again) and its delivery counts: a replayed task gets
    its max_runs afresh."""
    return {
        key: value
        for key, value in (headers or {}).items()
        if key not in DEATH_HEADERS
        and key not in (DELIVERY_COUNT, *COUNT_HEADERS)
        and not key.startswith(DEATH_HEADER_PREFIXES)
    }


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value if isinstance(value, str) else None


def _preview(headers: Mapping[str, Any], body: bytes, content_type: str | None) -> str:
    """Celery's own repr of the arguments (argsrepr, kwargsrepr), else the JSON body's (args, kwargs)."""
    args, kwargs = _text(headers.get("argsrepr")), _text(headers.get("kwargsrepr"))
    if args is None and content_type == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError:
            decoded = None
        if isinstance(decoded, list) and len(decoded) >= 2:
            args, kwargs = repr(tuple(decoded[0])), repr(decoded[1])
    if args is None:
        return f"<{len(body)} bytes of {content_type or 'unknown type'}>"
    shown = args if kwargs in (None, "{}") else f"{args} {kwargs}"
    return shown if len(shown) <= PREVIEW_CHARACTERS else shown[: PREVIEW_CHARACTERS - 3] + "..."


def matches(kept: KeptTask, tasks: Iterable[str], ids: Iterable[str]) -> bool:
    """Whether `kept` is chosen by task names and ids (none given: every task is)."""
    tasks, ids = set(tasks), set(ids)
    if not tasks and not ids:
        return True
    return kept.task in tasks or kept.id in ids


def _holding(
    nets: Nets, counts: Mapping[str, int], kept: Mapping[str, Iterable[KeptTask]]
) -> Iterator[tuple[Net, str, int, Counter[str]]]:
    """Each net whose queue holds tasks: the queue, how many wait there (`counts`, AMQP's) and the names of
    those read (`kept`)."""
    for net in Net:
        queue = net.queue(nets)
        waiting = counts.get(queue, 0) if queue is not None else 0
        if queue is not None and waiting:
            yield net, queue, waiting, Counter(k.task or NOT_A_TASK for k in kept.get(queue, ()))


def waiting_findings(nets: Nets, counts: Mapping[str, int], kept: Mapping[str, Iterable[KeptTask]]) -> list[Finding]:
    """One finding per net whose queue holds tasks (`counts`), naming them (`kept`, as many as were read)."""
    findings = []
    for net, queue, waiting, names in _holding(nets, counts, kept):
        named = ", ".join(f"{name} ({n})" if n > 1 else name for name, n in names.most_common())
        one = waiting == 1
        what = "could not be routed" if net is Net.UNROUTABLE else "was dead-lettered" if one else "were dead-lettered"
        message = (
            f"{hints.counted(waiting, 'task')} {what} and wait{'s' if one else ''} in queue {queue!r}: {named}; "
            f"`{hints.list_kept(net.value)}` lists them, `{hints.replay_kept(net.value)}` sends them again"
        )
        findings.append(Finding(net.code, Ref(Kind.QUEUE, queue), message))
    return findings


@dataclass(frozen=True)
class KeptCount:
    """How many tasks of one name a net keeps (`task` None: those not read to name them, past the limit)."""

    net: Net
    task: str | None
    count: int


def kept_counts(nets: Nets, counts: Mapping[str, int], kept: Mapping[str, Iterable[KeptTask]]) -> tuple[KeptCount, ...]:
    """Per net and task name, the tasks its queue keeps: what the monitoring counts, the named ones summing to
    the queue's count (AMQP's, exact) with those past the read limit left unnamed."""
    found = []
    for net, _, waiting, names in _holding(nets, counts, kept):
        found += [KeptCount(net, name, n) for name, n in sorted(names.items())]
        if waiting > sum(names.values()):
            found.append(KeptCount(net, None, waiting - sum(names.values())))
    return tuple(found)

"""Poison tasks: how many times a task has started on a worker, and when it must stop being redelivered. Pure.

A task that kills its worker (os._exit, a segfault, the OOM killer) is never acked: with acks_late and
reject_on_worker_lost, Celery rejects it with requeue and RabbitMQ hands it out again, without end. The
count of those deliveries has to live on the broker, with the message, since the worker that counted dies.

A quorum queue counts them itself: a redelivered message carries `x-delivery-count`, the deliveries that
ended without an ack. A classic queue only says `redelivered`, true or false. So a worker that receives a
redelivered task from a classic queue publishes a copy of it to the same queue with the count in a header
(`x-topology-runs`), confirmed, acks the original, and runs the copy when it comes; the copy's next
redelivery adds one. Either way, the delivery that would exceed the queue's max_runs is rejected without
requeue instead of run, and RabbitMQ dead-letters it with its reason (`x-death`, reason `rejected`), into
the dead-letter net. Tasks behind the poison one run meanwhile: a rejected or re-published task leaves the
queue's head.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

RUNS_HEADER = "x-topology-runs"
"""On a copy a worker re-published: how many deliveries of the task ended without an ack before it."""
PUBLISHED_TO_HEADERS = ("x-topology-exchange", "x-topology-routing-key")
"""On a re-published copy: the exchange and routing key the task was first published with (the copy goes
through the default exchange, to its queue alone, and RabbitMQ's x-death would name that instead)."""
COUNT_HEADERS = (RUNS_HEADER, *PUBLISHED_TO_HEADERS)
DELIVERY_COUNT = "x-delivery-count"
"""Set by quorum queues on each redelivery: how many deliveries ended without an ack."""


class Verdict(str, Enum):
    RUN = "run"
    COUNT = "count"  # re-publish a copy carrying the count, then ack this delivery
    DEAD_LETTER = "dead-letter"  # reject without requeue: RabbitMQ dead-letters it


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    failed: int  # the deliveries of this task that ended without an ack, as far as the broker knows


def judge(redelivered: bool, headers: Mapping[str, Any] | None, max_runs: int) -> Judgement:
    """What a worker does with a delivered task, given RabbitMQ's `redelivered` flag, the message's headers
    and the queue's max_runs: run it while it has started fewer than max_runs times."""
    headers = headers or {}
    counted = headers.get(DELIVERY_COUNT)
    if isinstance(counted, int) and not isinstance(counted, bool):  # a quorum queue counts
        return Judgement(Verdict.DEAD_LETTER if counted >= max_runs else Verdict.RUN, counted)
    before = failed_runs(headers)
    if not redelivered:
        return Judgement(Verdict.RUN, before)
    failed = before + 1
    return Judgement(Verdict.DEAD_LETTER if failed >= max_runs else Verdict.COUNT, failed)


def failed_runs(headers: Mapping[str, Any]) -> int:
    """The count a re-published copy carries (0 on a task never re-published)."""
    value = headers.get(RUNS_HEADER)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def counted_headers(headers: Mapping[str, Any] | None, failed: int, exchange: str, routing_key: str) -> dict[str, Any]:
    """The headers of the copy re-published for a delivery from `exchange` with `routing_key`: its count,
    and where the task was first published (kept from an earlier copy)."""
    first = dict(zip(PUBLISHED_TO_HEADERS, (exchange, routing_key), strict=True))
    return {**first, **(headers or {}), RUNS_HEADER: failed}


def published_to(headers: Mapping[str, Any]) -> tuple[str, str] | None:
    """Where a re-published copy's task was first published, or None for a task never re-published."""
    exchange, routing_key = (headers.get(key) for key in PUBLISHED_TO_HEADERS)
    if isinstance(exchange, str) and isinstance(routing_key, str):
        return exchange, routing_key
    return None

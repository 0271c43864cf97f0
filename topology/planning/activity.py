"""Every queue of the vhost with its backlog, and the thresholds a monitoring job sets on it. Pure.

The oldest message's age comes from RabbitMQ's `head_message_timestamp`: the `timestamp` property of the
message at the head of the queue. Celery sets no timestamp, so an app configured by this tool stamps each
task it sends (``celery_adapter.timestamps``); a queue whose head message has none shows no age.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from topology.codes import Code
from topology.model import Kind, Ref
from topology.planning.consumers import Consumer
from topology.planning.findings import Finding


@dataclass(frozen=True)
class QueueActivity:
    name: str
    ready: int | None
    unacked: int | None
    consumers: int | None
    head_timestamp: float | None = None  # seconds since the epoch, of the message at the head

    def age(self, now: float) -> float | None:
        """Seconds the head message has waited (None: no message, or one without a timestamp)."""
        if self.head_timestamp is None or not self.ready:
            return None
        return max(0.0, now - self.head_timestamp)


@dataclass(frozen=True)
class Traffic:
    """What the management API's statistics tell of a vhost: every queue's backlog, every consumer.
    `unseen` says why there is none (the API did not answer)."""

    queues: tuple[QueueActivity, ...] = ()
    consumers: tuple[Consumer, ...] = ()
    unseen: str = ""


@dataclass(frozen=True)
class Thresholds:
    max_ready: int | None = None
    max_age: float | None = None  # seconds


NO_THRESHOLDS = Thresholds()


def backlog_findings(queues: Iterable[QueueActivity], thresholds: Thresholds, now: float) -> list[Finding]:
    """One finding per queue over a threshold: errors, so that inspect exits 1."""
    findings = []
    for queue in queues:
        ref = Ref(Kind.QUEUE, queue.name)
        if thresholds.max_ready is not None and (queue.ready or 0) > thresholds.max_ready:
            message = (
                f"queue {queue.name!r} holds {queue.ready} ready messages, more than --max-ready {thresholds.max_ready}"
            )
            findings.append(Finding(Code.BACKLOG, ref, message))
        age = queue.age(now)
        if thresholds.max_age is not None and age is not None and age > thresholds.max_age:
            message = (
                f"queue {queue.name!r}'s oldest message has waited {age:.0f} s, more than --max-age "
                f"{thresholds.max_age:g} s"
            )
            findings.append(Finding(Code.BACKLOG_AGE, ref, message))
    return findings

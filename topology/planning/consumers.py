"""Who consumes what: the broker's consumers named as Celery workers, and what is wrong with them. Pure.

RabbitMQ knows a consumer by its channel, its connection and a tag; kombu's tags read `None4`. A worker
started with this tool's consumer (``celery_adapter.worker``) says who it is in its connection's client
properties (node name, host, pid); any other Celery worker is named by Celery's remote control, when it
answers, from the queues it says it consumes. Everything else is a client that is not a Celery worker.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from topology.codes import Code
from topology.hints import counted, rerun_for_consumers
from topology.model import Kind, Ref, Topology
from topology.planning.findings import Finding

WORKER_PROPERTY = "celery_worker"  # the worker's node name, in its connection's client properties
PID_PROPERTY = "celery_pid"
HOST_PROPERTY = "celery_host"
CELERY_PRODUCTS = frozenset({"py-amqp", "librabbitmq"})  # what kombu's AMQP transports call themselves
BLOCKED_CONNECTION_STATES = frozenset({"blocked", "blocking", "flow"})  # RabbitMQ's resource alarms
_CELERY_OWN_QUEUE = re.compile(
    r"celeryev\..*|.*\.celery\.pidbox|.*\.reply\.celery\.pidbox|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
"""Queues Celery makes for itself: events (celeryev.<uuid>), remote control (<node>.celery.pidbox and its
replies) and rpc:// result queues (a uuid)."""


def celery_own(queue: str) -> bool:
    return _CELERY_OWN_QUEUE.fullmatch(queue) is not None


class Identified(str, Enum):
    """How a consumer's worker is known."""

    CLIENT_PROPERTIES = "client properties"  # said by the worker itself on connecting
    REMOTE_CONTROL = "remote control"  # a worker answered `active_queues` naming this queue
    NOT_CELERY = "not celery"  # a client that is not a Celery (kombu) worker
    UNKNOWN = "unknown"  # kombu, but no worker named it (none answered, or several could be it)


@dataclass(frozen=True)
class Consumer:
    """One consumer as the management API lists it, with its connection's details."""

    queue: str
    tag: str
    connection: str
    peer: str  # host:port the connection comes from
    prefetch: int | None  # None: its channel not in the statistics yet; 0: unlimited
    active: bool  # False: a single-active-consumer standby, or cancelled
    product: str  # the client library, from the connection's client properties
    connection_state: str = "running"
    properties: Mapping[str, object] | None = None  # the connection's client properties
    node: str = ""  # the cluster node its channel lives on

    @property
    def celery_client(self) -> bool:
        return self.product in CELERY_PRODUCTS

    @property
    def blocked(self) -> bool:
        return self.connection_state in BLOCKED_CONNECTION_STATES

    @property
    def taking_messages(self) -> bool:
        return self.active and not self.blocked


@dataclass(frozen=True)
class WorkerReply:
    """A worker's answer to Celery's remote control: its node name and the queues it consumes."""

    name: str
    queues: tuple[str, ...]


@dataclass(frozen=True)
class WorkerConsumer:
    """A consumer with the worker it belongs to, as far as it can be told."""

    consumer: Consumer
    identified: Identified
    worker: str | None = None  # node name, e.g. worker1@host
    host: str | None = None
    pid: int | None = None

    @property
    def shown(self) -> str:
        """The worker as reports name it."""
        if self.worker is not None:
            return self.worker
        if self.identified is Identified.NOT_CELERY:
            return f"{self.consumer.product or 'unknown client'} ({self.consumer.peer})"
        return f"unnamed Celery client ({self.consumer.peer}, tag {self.consumer.tag})"


def identify(consumers: Iterable[Consumer], replies: Sequence[WorkerReply] | None) -> list[WorkerConsumer]:
    """Each consumer with its worker: from client properties first, then from remote control replies
    (a queue with exactly as many unnamed kombu consumers as unnamed workers naming it)."""
    named = [_from_properties(c) for c in consumers]
    if not replies:
        return named
    said = {w.worker for w in named if w.worker is not None}
    by_queue: dict[str, list[WorkerReply]] = {}
    for reply in replies:
        if reply.name not in said:
            for queue in reply.queues:
                by_queue.setdefault(queue, []).append(reply)
    unnamed: dict[str, list[int]] = {}
    for index, each in enumerate(named):
        if each.identified is Identified.UNKNOWN:
            unnamed.setdefault(each.consumer.queue, []).append(index)
    for queue, indexes in unnamed.items():
        candidates = by_queue.get(queue, [])
        if len(candidates) == len(indexes) == 1:  # only then is it sure which worker holds which consumer
            reply = candidates[0]
            host = reply.name.partition("@")[2] or None
            named[indexes[0]] = WorkerConsumer(named[indexes[0]].consumer, Identified.REMOTE_CONTROL, reply.name, host)
        elif candidates:
            names = ", ".join(sorted(r.name for r in candidates))
            for index in indexes:
                named[index] = WorkerConsumer(named[index].consumer, Identified.REMOTE_CONTROL, f"one of {names}")
    return named


def _from_properties(consumer: Consumer) -> WorkerConsumer:
    properties = consumer.properties or {}
    worker = properties.get(WORKER_PROPERTY)
    if isinstance(worker, str):
        pid = properties.get(PID_PROPERTY)
        host = properties.get(HOST_PROPERTY)
        return WorkerConsumer(
            consumer,
            Identified.CLIENT_PROPERTIES,
            worker,
            host if isinstance(host, str) else None,
            pid if isinstance(pid, int) else None,
        )
    # no product: its connection was not listed yet (statistics lag); not calling it foreign without a word
    known_foreign = consumer.product and not consumer.celery_client
    return WorkerConsumer(consumer, Identified.NOT_CELERY if known_foreign else Identified.UNKNOWN)


def consumer_findings(topology: Topology, consumers: Sequence[WorkerConsumer]) -> list[Finding]:
    """A worker consuming a queue the file does not declare, a queue consumed by a client that is not
    Celery, and a routed queue whose consumers all take no messages (standby or blocked)."""
    findings = []
    for queue, found in sorted(workers_by_queue(consumers).items()):
        ref = Ref(Kind.QUEUE, queue)
        declared = topology.queue(queue) is not None
        for each in found:
            celery = each.identified is not Identified.NOT_CELERY
            if celery and not declared and each.worker is not None:
                message = f"worker {each.shown} consumes queue {queue!r}, which routing.yaml does not declare"
                findings.append(Finding(Code.UNDECLARED_QUEUE_CONSUMED, ref, message))
            if not celery and declared:
                message = f"queue {queue!r} is consumed by {each.shown}, not a Celery worker: it takes tasks too"
                findings.append(Finding(Code.FOREIGN_CONSUMER, ref, message))
        if declared and not any(each.consumer.taking_messages for each in found):
            why = ", ".join(f"{each.shown} {_idle_reason(each.consumer)}" for each in found)
            message = f"queue {queue!r} has consumers, but none takes messages: {why}"
            findings.append(Finding(Code.IDLE_CONSUMERS, ref, message))
    return findings


def _idle_reason(consumer: Consumer) -> str:
    if consumer.blocked:
        return f"is on a {consumer.connection_state} connection (a RabbitMQ resource alarm)"
    return "is inactive (a single-active-consumer standby, or suspended)"


def workers_by_queue(consumers: Sequence[WorkerConsumer]) -> dict[str, list[WorkerConsumer]]:
    by_queue: dict[str, list[WorkerConsumer]] = {}
    for each in consumers:
        by_queue.setdefault(each.consumer.queue, []).append(each)
    return by_queue


def picture_findings(
    topology: Topology, consumers: Sequence[WorkerConsumer], amqp_consumers: Mapping[str, int], command: str
) -> list[Finding]:
    """What is wrong with who consumes what. `amqp_consumers`: each queue's consumer count from an AMQP
    passive declare, which is live, while the management API lists consumers only as it collects its
    statistics: a consumer that just joined is missing there for a few seconds, one that just left still
    listed. Where the two disagree, that is the queue's finding, with what each said, and the findings
    drawn from the listed consumers (which may be stale) are left out for that queue."""
    listed = workers_by_queue(consumers)
    lagging = []
    for queue, count in sorted(amqp_consumers.items()):
        shown = len(listed.get(queue, ()))
        if shown != count:
            message = (
                f"queue {queue!r} has {counted(count, 'consumer')} by AMQP, but the management API lists "
                f"{shown}: its consumer list lags (it is refreshed as the broker collects its statistics), "
                f"so the workers shown for this queue are {'missing some' if shown < count else 'stale'}"
            )
            lagging.append(
                Finding(Code.CONSUMER_LIST_LAGS, Ref(Kind.QUEUE, queue), message, rerun_for_consumers(command))
            )
    unsettled = {finding.ref.name for finding in lagging}
    settled = [each for each in consumers if each.consumer.queue not in unsettled]
    return [*lagging, *consumer_findings(topology, settled)]


def lag_note(findings: Iterable[Finding], command: str) -> str:
    """The management API's consumer list lagging AMQP's count, said once for all the queues it concerns."""
    queues = [f.ref.name for f in findings if f.code is Code.CONSUMER_LIST_LAGS]
    if not queues:
        return ""
    return (
        f"the management API's consumer list lags AMQP's count on {counted(len(queues), 'queue')} "
        f"({', '.join(queues)}): the workers shown there are not settled yet; {rerun_for_consumers(command)}"
    )

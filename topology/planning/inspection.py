"""What `inspect` concludes from one read of a vhost: its findings, and one row per queue. Pure.

`commands.inspect` reads the broker once into `Seen`; every check is a function of it, listed in
`INSPECT_CHECKS` in the order the report shows them: adding a check is writing one function and naming it
there. The queue rows take every count from one source, so that no two figures of a queue disagree: ready
messages and consumers of the file's queues from AMQP (live), the rest from the management API's statistics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from topology.model import Topology
from topology.planning.activity import NO_THRESHOLDS, Thresholds, Traffic, backlog_findings
from topology.planning.cluster import cluster_findings, without_ghosts
from topology.planning.consumers import WorkerConsumer, picture_findings, workers_by_queue
from topology.planning.drift import diff
from topology.planning.findings import Finding
from topology.planning.kept import KeptTask, waiting_findings
from topology.planning.live_routes import LiveRoute, capture_findings, live_routes
from topology.planning.mirrored import mirrored_findings
from topology.planning.observed import LiveState, Placement
from topology.planning.plan import Wanted, wanted
from topology.routing import tasks_by_queue


@dataclass(frozen=True)
class Seen:
    """Everything inspect read of the vhost. `counted`: the vhost with AMQP's live counts of the file's
    queues; `traffic`: the management API's statistics and consumers (None: the API did not answer, and only
    what passive declares tell is checked); `waiting`: how many tasks each net's queue that holds some
    holds (AMQP's count), and `kept` those read from it to name them."""

    topology: Topology
    counted: LiveState
    traffic: Traffic | None = None
    workers: tuple[WorkerConsumer, ...] = ()
    amqp_consumers: Mapping[str, int] = field(default_factory=dict)
    waiting: Mapping[str, int] = field(default_factory=dict)
    kept: Mapping[str, Sequence[KeptTask]] = field(default_factory=dict)
    thresholds: Thresholds = NO_THRESHOLDS
    now: float = 0.0
    wants: Wanted | None = None  # `wanted(topology)`, when worked out already

    @cached_property
    def _without_ghosts(self) -> tuple[LiveState, list[Finding]]:
        """With a cluster node down, the consumers whose channels died with it are not counted."""
        if self.traffic is None or self.traffic.unseen:
            return self.counted, []
        return without_ghosts(self.counted, self.traffic.consumers)

    @property
    def live(self) -> LiveState:
        return self._without_ghosts[0]

    @property
    def ghosts(self) -> list[Finding]:
        return self._without_ghosts[1]

    @cached_property
    def routed(self) -> dict[str, list[str]]:
        """The queues tasks are routed to, and those tasks."""
        return tasks_by_queue(self.topology)

    @cached_property
    def routes(self) -> tuple[LiveRoute, ...]:
        """Each task followed through the bindings on the broker (none without the management API)."""
        return tuple(live_routes(self.topology, self.live)) if self.traffic is not None else ()

    @property
    def listed(self) -> bool:
        """The management API's statistics and consumers were read."""
        return self.traffic is not None and not self.traffic.unseen


Check = Callable[[Seen], Iterable[Finding]]


def drift(seen: Seen) -> Iterable[Finding]:
    """The plan's differences, and routed queues nobody consumes."""
    return diff(seen.topology, seen.live, seen.routed, seen.wants or wanted(seen.topology))


def cluster(seen: Seen) -> Iterable[Finding]:
    """Nodes and quorum members down, leaders crowded on one node, consumers counted on a down node."""
    return [*cluster_findings(seen.topology, seen.live), *seen.ghosts]


def kept(seen: Seen) -> Iterable[Finding]:
    """Tasks waiting in the nets, named."""
    return waiting_findings(seen.topology.nets, seen.waiting, seen.kept)


def captured(seen: Seen) -> Iterable[Finding]:
    """Tasks a binding not in the file sends elsewhere too."""
    return capture_findings(seen.topology, seen.live, seen.routes)


def consumers(seen: Seen) -> Iterable[Finding]:
    """Who consumes what: workers on undeclared queues, foreign and idle consumers, a lagging listing."""
    return picture_findings(seen.topology, seen.workers, seen.amqp_consumers, "inspect") if seen.listed else ()


def backlog(seen: Seen) -> Iterable[Finding]:
    """Queues over --max-ready or --max-age."""
    queues = seen.traffic.queues if seen.traffic is not None else ()
    return backlog_findings(queues, seen.thresholds, seen.now)


def mirrored(seen: Seen) -> Iterable[Finding]:
    """Classic queues mirrored by an ha-* policy, or declared with an argument RabbitMQ 4.x refuses or ignores."""
    return mirrored_findings(seen.live)


INSPECT_CHECKS: tuple[Check, ...] = (drift, cluster, kept, captured, consumers, backlog, mirrored)
"""inspect's checks, in the order its report lists their findings."""


def inspect_findings(seen: Seen, checks: Sequence[Check] = INSPECT_CHECKS) -> tuple[Finding, ...]:
    return tuple(finding for check in checks for finding in check(seen))


@dataclass(frozen=True)
class QueueRow:
    """One queue of the vhost as inspect shows it. Counts are None where unknown: a queue missing, on a node
    that is down, or not in the management API's statistics."""

    name: str
    declared: bool  # in routing.yaml
    exists: bool
    ready: int | None
    consumers: int | None
    unacked: int | None = None
    oldest_age: float | None = None  # seconds the head message has waited
    workers: tuple[WorkerConsumer, ...] = ()  # the consumers the management API lists, named
    routed: bool = False  # some task is routed here
    tasks: tuple[str, ...] = ()  # those tasks (none for the default queue: every task without a route)
    placement: Placement | None = None  # on a cluster: its node, or its leader and members


def queue_rows(seen: Seen) -> tuple[QueueRow, ...]:
    """The file's queues in the file's order, then every other queue of the vhost by name."""
    activity = {q.name: q for q in seen.traffic.queues} if seen.traffic is not None else {}
    by_queue = workers_by_queue(seen.workers)
    placements = seen.live.cluster.placements if seen.live.cluster is not None else {}

    def row(name: str, declared: bool, exists: bool, ready: int | None, consumers: int | None) -> QueueRow:
        stats = activity.get(name)
        return QueueRow(
            name,
            declared,
            exists,
            ready,
            consumers,
            stats.unacked if stats is not None else None,
            stats.age(seen.now) if stats is not None else None,
            tuple(by_queue.get(name, ())),
            name in seen.routed,
            tuple(seen.routed.get(name, ())),
            placements.get(name),
        )

    delays = seen.topology.nets.delays
    ladder = delays.names if delays is not None else frozenset()  # counted in one line, `delayed`
    declared = [q.name for q in seen.topology.on_broker.queues if q.name not in ladder]  # broadcast: each worker's
    rows = []
    for name in declared:
        live = seen.live.queues.get(name)
        counts = (live.messages_ready, live.consumers) if live is not None else (None, None)
        rows.append(row(name, True, live is not None, *counts))
    for name in sorted(set(activity) - set(declared) - ladder):
        rows.append(row(name, False, True, activity[name].ready, activity[name].consumers))
    return tuple(rows)

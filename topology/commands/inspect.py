"""`inspect`: the live vhost against routing.yaml. Nothing on the broker changes.

Properties, the full object lists and bindings come from the session's one read of the vhost; ready
messages and consumers of the declared queues come from AMQP passive declares, which are live. Without
an answer from the management API, only what passive declares tell is checked (see `broker.probe`).
The declares are sent while the definitions are still being read: on a large vhost the two take about
as long, and both keep the broker busy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from topology.broker.session import Session
from topology.celery_adapter.transport import TransportInfo, celery_transport
from topology.checks.versions import Target
from topology.commands.history import since
from topology.commands.plan import checked_for_broker
from topology.commands.result import ExitCode, Result
from topology.commands.workers import Replies, amqp_consumers, ask_workers, named_consumers
from topology.model import Severity, Topology
from topology.planning.activity import NO_THRESHOLDS, Thresholds, Traffic, backlog_findings
from topology.planning.cluster import CLUSTER_WARNINGS, cluster_findings, live_consumers, without_ghosts
from topology.planning.consumers import WorkerConsumer, fails, picture_findings
from topology.planning.delivery_limits import DeliveryLimit, delivery_limits
from topology.planning.drift import Finding, diff
from topology.planning.history import SinceLastApply, Source
from topology.planning.kept import waiting_findings
from topology.planning.live_routes import LiveRoute, capture_findings, live_routes
from topology.planning.observed import Counts, LiveState, with_counts
from topology.planning.plan import wanted
from topology.routing import tasks_by_queue

NAMED_LIMIT = 1000
"""How many tasks of a net's queue inspect reads to name them; the count is always exact."""


@dataclass(frozen=True)
class InspectReport:
    vhost: str
    findings: tuple[Finding, ...]
    live: LiveState
    routed: dict[str, list[str]]  # the queues tasks are routed to, and those tasks
    transport: TransportInfo  # the AMQP client Celery will use
    note: str = ""  # what could not be checked (`LiveState.unseen`)
    traffic: Traffic = field(default_factory=Traffic)  # every queue of the vhost, every consumer
    workers: tuple[WorkerConsumer, ...] = ()  # the consumers, named as workers
    routes: tuple[LiveRoute, ...] = ()  # each task followed through the broker's bindings
    now: float = 0.0  # when the statistics were read, for the age of queues' oldest messages
    since: SinceLastApply | None = None  # what changed since the last apply, when the file's identity is known
    rabbitmq: Target | None = None  # the version whose rules apply (the broker's, when its API tells it)
    delivery_limits: tuple[DeliveryLimit, ...] = ()  # of the file's quorum queues, as that version applies them

    def in_sync(self, *, require_consumers: bool = False) -> bool:
        """`require_consumers`: warnings fail too, but those about the cluster (they are not about consumers)."""
        failing = {Severity.ERROR, Severity.WARNING} if require_consumers else {Severity.ERROR}
        return not any(f.severity in failing and fails(f) and f.code not in CLUSTER_WARNINGS for f in self.findings)


def inspect_topology(
    topology: Topology, session: Session, thresholds: Thresholds = NO_THRESHOLDS, replies: Replies = ask_workers
) -> InspectReport:
    names = tuple(q.name for q in topology.on_broker.queues)
    wants, routed = wanted(topology), tasks_by_queue(topology)
    transport = celery_transport(session.settings)
    # Every queue of the file is asked while the definitions are still on their way. A refused declare
    # (a missing queue, or another connection's exclusive one: each closes its channel, and RabbitMQ logs
    # it) ends that; the queues not answered by then are asked once the definitions tell which exist.
    counts = session.counts(names, stop_at_refusal=True)
    state = session.state(topology, check_properties=False)
    aimed = checked_for_broker(topology, state)
    limits = delivery_limits(topology, aimed.rules)
    if session.unreachable is not None:  # existence and counts over AMQP alone, passive declares only
        findings = tuple(diff(topology, state, routed, wants))
        return InspectReport(
            state.vhost, findings, state, routed, transport, state.unseen, rabbitmq=aimed, delivery_limits=limits
        )
    unasked = tuple(name for name in names if name not in counts and name in state.queues)
    if unasked:
        counts |= session.counts(unasked)
    live, traffic = with_counts(state, counts), session.traffic()
    # On a cluster with a node down, consumers whose channel lived on it are no workers, whatever is counted.
    traffic = replace(traffic, consumers=live_consumers(traffic.consumers, live.cluster))
    live, ghosts = (live, []) if traffic.unseen else without_ghosts(live, traffic.consumers)
    found = (*cluster_findings(topology, live), *ghosts, *_waiting(topology, session, counts))
    findings = (*diff(topology, live, routed, wants), *found)
    report = InspectReport(live.vhost, findings, live, routed, transport, rabbitmq=aimed, delivery_limits=limits)
    return _with_traffic(topology, session, report, traffic, counts, thresholds, replies)


def _waiting(topology: Topology, session: Session, counts: Counts) -> list[Finding]:
    """The nets' queues that hold tasks, read (not consumed) to name them."""
    ready = {name: count[0] for name in topology.nets.names if (count := counts.get(name)) is not None and count[0]}
    kept = {name: session.kept(name, NAMED_LIMIT).tasks for name in ready}
    return waiting_findings(topology.nets, ready, kept)


def _with_traffic(
    topology: Topology,
    session: Session,
    report: InspectReport,
    traffic: Traffic,
    counts: Counts,
    thresholds: Thresholds,
    replies: Replies,
) -> InspectReport:
    """Where tasks go through the broker's bindings, every queue's backlog and who consumes it (checked
    against the consumers AMQP counted)."""
    now = time.time()
    workers, _ = named_consumers(traffic, session.settings, replies)
    routes = tuple(live_routes(topology, report.live))
    found = [
        *capture_findings(topology, report.live, routes),
        *(picture_findings(topology, workers, amqp_consumers(counts), "inspect") if not traffic.unseen else ()),
        *backlog_findings(traffic.queues, thresholds, now),
    ]
    findings = (*report.findings, *found)
    note = "; ".join(filter(None, [traffic.unseen, session.counted_by_api]))
    return replace(report, findings=findings, traffic=traffic, workers=workers, routes=routes, now=now, note=note)


def inspect_command(
    topology: Topology,
    session: Session,
    *,
    require_consumers: bool,
    thresholds: Thresholds = NO_THRESHOLDS,
    source: Source | None = None,
) -> Result[InspectReport]:
    report = inspect_topology(topology, session, thresholds)
    if source is not None:
        drift = any(f.severity is Severity.ERROR for f in report.findings)
        report = replace(report, since=since(session, source, differs=drift))
    in_sync = report.in_sync(require_consumers=require_consumers)
    return Result(report, ExitCode.OK if in_sync else ExitCode.DIFFERS)

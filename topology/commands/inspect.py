"""`inspect`: the live vhost against routing.yaml. Nothing on the broker changes.

Properties, the full object lists and bindings come from the session's one read of the vhost; ready
messages and consumers of the declared queues come from AMQP passive declares, which are live. Without
an answer from the management API, only what passive declares tell is checked (see `broker.probe`).
The declares are sent while the definitions are still being read: on a large vhost the two take about
as long, and both keep the broker busy. What is read becomes `planning.inspection.Seen`, and its checks
(`INSPECT_CHECKS`) make the findings.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from topology.broker.session import Session
from topology.celery_adapter.transport import TransportInfo, celery_transport
from topology.checks.versions import Target
from topology.codes import Group
from topology.commands.history import since
from topology.commands.plan import checked_for_broker
from topology.commands.result import Result
from topology.commands.workers import Replies, amqp_consumers, ask_workers, named_consumers
from topology.model import Topology
from topology.planning.activity import NO_THRESHOLDS, Thresholds
from topology.planning.cluster import live_consumers
from topology.planning.consumers import lag_note
from topology.planning.delivery_limits import DeliveryLimit, delivery_limits
from topology.planning.findings import Finding, findings_exit_code
from topology.planning.history import ApplyRecord, SinceLastApply, Source
from topology.planning.inspection import QueueRow, Seen, inspect_findings, queue_rows
from topology.planning.kept import KeptCount, kept_counts
from topology.planning.live_routes import LiveRoute
from topology.planning.observed import ClusterState, with_counts
from topology.planning.plan import wanted

NAMED_LIMIT = 1000
"""How many tasks of a net's queue inspect reads to name them; the count is always exact."""


@dataclass(frozen=True)
class InspectReport:
    vhost: str
    findings: tuple[Finding, ...]
    queues: tuple[QueueRow, ...]  # the file's queues, then every other queue of the vhost
    transport: TransportInfo  # the AMQP client Celery will use
    note: str = ""  # what could not be checked or is not settled yet
    routes: tuple[LiveRoute, ...] = ()  # each task followed through the broker's bindings
    cluster: ClusterState | None = None  # the nodes, when the management API told them
    since: SinceLastApply | None = None  # what changed since the last apply, when the file's identity is known
    rabbitmq: Target | None = None  # the version whose rules apply (the broker's, when its API tells it)
    delivery_limits: tuple[DeliveryLimit, ...] = ()  # of the file's quorum queues, as that version applies them
    statistics: bool = True  # the management API's statistics were read (unacked, oldest, consumers listed)
    management: str = ""  # the management API read, never with its password
    require_consumers: bool = False  # who consumes what fails the command too
    recorded: ApplyRecord | None = None  # the last apply's record, as read with the vhost
    kept: tuple[KeptCount, ...] = ()  # the nets' tasks per task name
    seen: Seen | None = field(default=None, compare=False, repr=False)  # the read itself (serve draws it)
    delayed: int | None = None  # tasks waiting in the delay ladder (None: the file has none)


def inspect_topology(
    topology: Topology, session: Session, thresholds: Thresholds = NO_THRESHOLDS, replies: Replies = ask_workers
) -> InspectReport:
    names = tuple(q.name for q in topology.on_broker.queues)
    wants = wanted(topology)
    transport = celery_transport(session.settings)
    # Every queue of the file is asked while the definitions are still on their way. A refused declare
    # (a missing queue, or another connection's exclusive one: each closes its channel, and RabbitMQ logs
    # it) ends that; the queues not answered by then are asked once the definitions tell which exist.
    counts = session.counts(names, stop_at_refusal=True)
    state = session.state(topology, check_properties=False)
    aimed = checked_for_broker(topology, state)
    limits = delivery_limits(topology, aimed.rules)
    if session.unreachable is not None:  # existence and counts over AMQP alone, passive declares only
        seen = Seen(topology, state, wants=wants)
        return InspectReport(
            state.vhost,
            inspect_findings(seen),
            queue_rows(seen),
            transport,
            state.unseen,
            rabbitmq=aimed,
            delivery_limits=limits,
            statistics=False,
            management=str(session.settings.management),
            recorded=state.recorded,
        )
    unasked = tuple(name for name in names if name not in counts and name in state.queues)
    if unasked:
        counts |= session.counts(unasked)
    live, traffic = with_counts(state, counts), session.traffic()
    # On a cluster with a node down, consumers whose channel lived on it are no workers, whatever is counted.
    traffic = replace(traffic, consumers=live_consumers(traffic.consumers, live.cluster))
    workers, _ = named_consumers(traffic, session.settings, replies)
    waiting = {name: count[0] for name in topology.nets.keeping if (count := counts.get(name)) is not None and count[0]}
    seen = Seen(
        topology,
        live,
        traffic,
        workers,
        amqp_consumers(counts),
        waiting,
        {name: session.kept(name, NAMED_LIMIT).tasks for name in waiting},  # read, not consumed, to name them
        thresholds,
        time.time(),
        wants,
    )
    findings = inspect_findings(seen)
    note = "; ".join(filter(None, [traffic.unseen, session.counted_by_api, lag_note(findings, "inspect")]))
    return InspectReport(
        live.vhost,
        findings,
        queue_rows(seen),
        transport,
        note,
        seen.routes,
        seen.live.cluster,
        rabbitmq=aimed,
        delivery_limits=limits,
        statistics=seen.listed,
        management=str(session.settings.management),
        recorded=live.recorded,
        kept=kept_counts(topology.nets, seen.waiting, seen.kept),
        seen=seen,
        delayed=_delayed(topology, counts),
    )


def _delayed(topology: Topology, counts: Mapping[str, tuple[int, int] | None]) -> int | None:
    """How many tasks wait in the delay ladder's queues (AMQP's live counts); None without a ladder."""
    delays = topology.nets.delays
    if delays is None:
        return None
    return sum(count[0] for name in delays.names if (count := counts.get(name)) is not None)


def inspect_command(
    topology: Topology,
    session: Session,
    *,
    require_consumers: bool,
    thresholds: Thresholds = NO_THRESHOLDS,
    source: Source | None = None,
) -> Result[InspectReport]:
    """Exit 1 on drift, kept tasks or a threshold passed; with `require_consumers`, also when a routed queue
    has no consumer or who consumes what is wrong (`topology.codes.Gate`)."""
    report = replace(inspect_topology(topology, session, thresholds), require_consumers=require_consumers)
    if source is not None:
        drift = any(f.code.group is Group.DRIFT for f in report.findings)
        unseen = report.note if not report.statistics else ""
        report = replace(report, since=since(report.recorded, unseen, source, differs=drift))
    exit_code = findings_exit_code(report.findings, require_consumers=require_consumers)
    return Result(report, exit_code).on(session.settings)

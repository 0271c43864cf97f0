"""`inspect`: the live vhost against routing.yaml. Nothing on the broker changes.

Properties, the full object lists and bindings come from the session's one read of the vhost; ready
messages and consumers of the declared queues come from AMQP passive declares, which are live. Without
an answer from the management API, only what passive declares tell is checked (see `broker.probe`).
The declares are sent while the definitions are still being read: on a large vhost the two take about
as long, and both keep the broker busy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from topology.broker.session import Session
from topology.celery_adapter.transport import TransportInfo, celery_transport
from topology.commands.history import since
from topology.commands.result import ExitCode, Result
from topology.model import Severity, Topology
from topology.planning.drift import Finding, diff
from topology.planning.history import SinceLastApply, Source
from topology.planning.observed import LiveState, with_counts
from topology.planning.plan import wanted
from topology.routing import tasks_by_queue


@dataclass(frozen=True)
class InspectReport:
    vhost: str
    findings: tuple[Finding, ...]
    live: LiveState
    routed: dict[str, list[str]]  # the queues tasks are routed to, and those tasks
    transport: TransportInfo  # the AMQP client Celery will use
    note: str = ""  # what could not be checked (`LiveState.unseen`)
    since: SinceLastApply | None = None  # what changed since the last apply, when the file's identity is known

    def in_sync(self, *, require_consumers: bool = False) -> bool:
        failing = {Severity.ERROR, Severity.WARNING} if require_consumers else {Severity.ERROR}
        return not any(f.severity in failing for f in self.findings)


def inspect_topology(topology: Topology, session: Session) -> InspectReport:
    names = tuple(q.name for q in topology.queues)
    wants, routed = wanted(topology), tasks_by_queue(topology)
    transport = celery_transport(session.settings)
    # Every queue of the file is asked while the definitions are still on their way. A refused declare
    # (a missing queue, or another connection's exclusive one: each closes its channel, and RabbitMQ logs
    # it) ends that; the queues not answered by then are asked once the definitions tell which exist.
    counts = session.counts(names, stop_at_refusal=True)
    state = session.state(topology, check_properties=False)
    if session.unreachable is not None:  # existence and counts over AMQP alone, passive declares only
        findings = tuple(diff(topology, state, routed, wants))
        return InspectReport(state.vhost, findings, state, routed, transport, state.unseen)
    unasked = tuple(name for name in names if name not in counts and name in state.queues)
    if unasked:
        counts |= session.counts(unasked)
    live = with_counts(state, counts)
    return InspectReport(live.vhost, tuple(diff(topology, live, routed, wants)), live, routed, transport)


def inspect_command(
    topology: Topology, session: Session, *, require_consumers: bool, source: Source | None = None
) -> Result[InspectReport]:
    report = inspect_topology(topology, session)
    if source is not None:
        drift = any(f.severity is Severity.ERROR for f in report.findings)
        report = replace(report, since=since(session, source, differs=drift))
    in_sync = report.in_sync(require_consumers=require_consumers)
    return Result(report, ExitCode.OK if in_sync else ExitCode.DIFFERS)

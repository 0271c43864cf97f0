"""Compare the live vhost with routing.yaml.

Properties, the full object lists and bindings come from one read of the vhost's definitions
(management API: AMQP cannot list); ready messages and consumers of the declared queues come from
AMQP passive declares, pipelined, which are live (the API's counters lag by a statistics interval).
Without an answer from the API, only what passive declares tell is checked (see `probe`).
The declares are sent while the definitions are still being read: on a 10,000-object vhost the two
take about as long, and both keep the broker busy. Nothing on the broker changes.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass

from topology.broker.management import ManagementClient
from topology.broker.probe import probe_state
from topology.broker.settings import Settings
from topology.commands.apply import queue_counts, with_counts
from topology.errors import ManagementUnreachable
from topology.model import Severity, Topology
from topology.planning.drift import Finding, diff
from topology.planning.observed import LiveState
from topology.planning.plan import wanted
from topology.routing import tasks_by_queue


@dataclass(frozen=True)
class InspectReport:
    vhost: str
    findings: tuple[Finding, ...]
    live: LiveState
    routed: dict[str, list[str]]  # the queues tasks are routed to, and those tasks
    note: str = ""  # what could not be checked (`LiveState.unseen`)

    def in_sync(self, *, require_consumers: bool = False) -> bool:
        failing = {Severity.ERROR, Severity.WARNING} if require_consumers else {Severity.ERROR}
        return not any(f.severity in failing for f in self.findings)


def inspect_topology(
    topology: Topology,
    settings: Settings,
    management: ManagementClient,
    reading: Future[LiveState] | None = None,
) -> InspectReport:
    """`reading`: the read of the vhost's definitions, under way (the CLI starts it first thing)."""
    names = tuple(q.name for q in topology.queues)
    wants, routed = wanted(topology), tasks_by_queue(topology)
    # Every queue of the file is asked while the definitions are still on their way. A refused declare
    # (a missing queue, or another connection's exclusive one: each closes its channel, and RabbitMQ logs
    # it) ends that; the queues not answered by then are asked once the definitions tell which exist.
    counts = queue_counts(settings, names, stop_at_refusal=True)
    try:
        state = reading.result() if reading is not None else management.state(settings.vhost)
    except ManagementUnreachable as unreachable:  # existence and counts over AMQP alone, passive declares only
        probed = probe_state(topology, settings, unreachable, check_properties=False)
        findings = tuple(diff(topology, probed, routed, wants))
        return InspectReport(probed.vhost, findings, probed, routed, probed.unseen)
    unasked = tuple(name for name in names if name not in counts and name in state.queues)
    if unasked:
        counts |= queue_counts(settings, unasked)
    live = with_counts(state, counts)
    return InspectReport(live.vhost, tuple(diff(topology, live, routed, wants)), live, routed)

"""Compare the live vhost with routing.yaml.

Properties, the full object lists and bindings come from one read of the vhost's definitions
(management API: AMQP cannot list); ready messages and consumers of the declared queues come from
AMQP passive declares, pipelined, which are live (the API's counters lag by a statistics interval).
Nothing on the broker changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from topology.apply import queue_counts, with_counts
from topology.diff import Finding, diff
from topology.live import LiveState
from topology.management import ManagementClient
from topology.model import Severity, Topology
from topology.settings import Settings


@dataclass(frozen=True)
class InspectReport:
    vhost: str
    findings: tuple[Finding, ...]
    live: LiveState

    def in_sync(self, *, require_consumers: bool = False) -> bool:
        failing = {Severity.ERROR, Severity.WARNING} if require_consumers else {Severity.ERROR}
        return not any(f.severity in failing for f in self.findings)


def inspect_topology(
    topology: Topology, settings: Settings, management: ManagementClient, state: LiveState | None = None
) -> InspectReport:
    state = state or management.state(settings.vhost)
    declared = tuple(q.name for q in topology.queues if q.name in state.queues)
    live = with_counts(state, queue_counts(settings, declared))
    return InspectReport(live.vhost, tuple(diff(topology, live)), live)

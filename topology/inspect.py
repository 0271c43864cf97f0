"""Compare the live vhost with routing.yaml.

Properties, the full object lists and bindings come from the management API (AMQP cannot list);
existence, ready messages and consumers of the declared objects come from AMQP passive declares,
which are live (the API's counters lag by a statistics interval). Nothing on the broker changes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from topology.amqp import AmqpClient, QueueCounts
from topology.diff import Finding, diff
from topology.live import LiveState
from topology.management import ManagementClient
from topology.model import Severity, Topology


@dataclass(frozen=True)
class InspectReport:
    vhost: str
    findings: tuple[Finding, ...]
    live: LiveState

    def in_sync(self, *, require_consumers: bool = False) -> bool:
        failing = {Severity.ERROR, Severity.WARNING} if require_consumers else {Severity.ERROR}
        return not any(f.severity in failing for f in self.findings)


def inspect_topology(topology: Topology, amqp: AmqpClient, management: ManagementClient) -> InspectReport:
    live = _with_amqp_view(topology, management.state(amqp.settings.vhost), amqp)
    return InspectReport(live.vhost, tuple(diff(topology, live)), live)


def _with_amqp_view(topology: Topology, state: LiveState, amqp: AmqpClient) -> LiveState:
    """`state` with the declared objects' existence and counts as AMQP sees them right now."""
    exchanges = dict(state.exchanges)
    for exchange in topology.exchanges:
        if amqp.exchange_exists(exchange.name) is False:
            exchanges.pop(exchange.name, None)
    queues = dict(state.queues)
    for queue in topology.queues:
        counts = amqp.queue_counts(queue.name)
        if counts is None:
            queues.pop(queue.name, None)
        elif isinstance(counts, QueueCounts) and queue.name in queues:
            queues[queue.name] = replace(
                queues[queue.name], messages_ready=counts.messages_ready, consumers=counts.consumers
            )
    return replace(state, exchanges=exchanges, queues=queues)

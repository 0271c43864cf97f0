"""Compare the live vhost with routing.yaml.

Properties, the full object lists and bindings come from one read of the vhost's definitions
(management API: AMQP cannot list); ready messages and consumers of the declared queues come from
AMQP passive declares, pipelined, which are live (the API's counters lag by a statistics interval).
The declares are sent while the definitions are still being read: on a 10,000-object vhost the two
take about as long, and both wait mostly on the broker. Nothing on the broker changes.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass

from topology.apply import queue_counts, with_counts
from topology.diff import Finding, diff
from topology.live import LiveState
from topology.management import ManagementClient
from topology.model import Severity, Topology
from topology.routing import tasks_by_queue
from topology.settings import Settings


@dataclass(frozen=True)
class InspectReport:
    vhost: str
    findings: tuple[Finding, ...]
    live: LiveState
    routed: dict[str, list[str]]  # the queues tasks are routed to, and those tasks

    def in_sync(self, *, require_consumers: bool = False) -> bool:
        failing = {Severity.ERROR, Severity.WARNING} if require_consumers else {Severity.ERROR}
        return not any(f.severity in failing for f in self.findings)


def inspect_topology(
    topology: Topology,
    settings: Settings,
    management: ManagementClient,
    reading: Future[LiveState] | None = None,
    listing: Future[frozenset[str]] | None = None,
) -> InspectReport:
    """`reading`, `listing`: the reads of the vhost's definitions and queue names, under way (the CLI
    starts both first thing)."""
    # The names first: a passive declare of a missing queue would close its channel.
    existing = listing.result() if listing is not None else management.queue_names(settings.vhost)
    counts = queue_counts(settings, tuple(q.name for q in topology.queues if q.name in existing))
    live = with_counts(reading.result() if reading is not None else management.state(settings.vhost), counts)
    routed = tasks_by_queue(topology)
    return InspectReport(live.vhost, tuple(diff(topology, live, routed)), live, routed)

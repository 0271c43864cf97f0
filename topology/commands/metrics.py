"""`metrics`: what inspect reads, as Prometheus gauges (labelled by vhost), one-shot or scraped from `serve`.

Every value is a figure of the inspect report of the same read, so that a dashboard never disagrees with
`inspect --format json`: the queue counts are its rows of the file's queues, the nets' tasks its kept counts,
the drift and the routed queues nobody consumes its findings (by `Code`), the last apply its record.
Exposing them in Prometheus' text format is `web.exposition`'s.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from topology.broker.session import Session
from topology.codes import Code, ExitCode, Group
from topology.commands.inspect import InspectReport, inspect_topology
from topology.commands.result import Result
from topology.model import Topology


@dataclass(frozen=True)
class Metric:
    name: str
    help: str
    labels: tuple[str, ...]  # besides vhost


QUEUE_LABELS = ("queue",)
READY = Metric("topology_queue_messages_ready", "Ready messages in a queue of routing.yaml.", QUEUE_LABELS)
UNACKED = Metric("topology_queue_messages_unacked", "Messages delivered and not yet acknowledged.", QUEUE_LABELS)
CONSUMERS = Metric("topology_queue_consumers", "Consumers of a queue of routing.yaml.", QUEUE_LABELS)
OLDEST = Metric(
    "topology_queue_oldest_message_age_seconds",
    "Seconds the head message of a queue has waited (none: empty, or no timestamp).",
    QUEUE_LABELS,
)
NET = Metric(
    "topology_net_messages",
    "Tasks a net keeps (unroutable, dead-letters), per task name (empty: past the read limit).",
    ("net", "task"),
)
DRIFT = Metric("topology_drift_findings", "Drift findings of inspect, per finding code.", ("code",))
LAST_APPLY = Metric("topology_last_apply_age_seconds", "Seconds since the last apply recorded on the vhost.", ())
UNCONSUMED = Metric(
    "topology_routed_queues_without_consumers", "Queues tasks are routed to that no worker consumes.", ()
)
METRICS = (READY, UNACKED, CONSUMERS, OLDEST, NET, DRIFT, LAST_APPLY, UNCONSUMED)
"""Every metric, in the order the exposition lists them (the dashboard and the alert rules use these names)."""


@dataclass(frozen=True)
class Sample:
    metric: Metric
    labels: tuple[str, ...]  # the values of metric.labels, in order
    value: float


@dataclass(frozen=True)
class MetricsReport:
    vhost: str
    samples: tuple[Sample, ...]
    inspected: InspectReport  # the read the samples come from

    def of(self, metric: Metric) -> list[Sample]:
        return [s for s in self.samples if s.metric is metric]


def metrics_of(report: InspectReport, now: float) -> MetricsReport:
    """The samples of one inspect report; `now`: when it was read (the last apply's age)."""
    return MetricsReport(report.vhost, tuple(_samples(report, now)), report)


def _samples(report: InspectReport, now: float) -> Iterator[Sample]:
    declared = [row for row in report.queues if row.declared and row.exists]
    for metric, figure in ((READY, "ready"), (UNACKED, "unacked"), (CONSUMERS, "consumers"), (OLDEST, "oldest_age")):
        for row in declared:
            value = getattr(row, figure)
            if value is not None:
                yield Sample(metric, (row.name,), value)
    for kept in report.kept:
        yield Sample(NET, (kept.net.value, kept.task or ""), kept.count)
    found = Counter(f.code for f in report.findings)
    for code in Code:
        if code.group is Group.DRIFT:
            yield Sample(DRIFT, (code.value,), found[code])
    if report.recorded is not None:
        applied = datetime.fromisoformat(report.recorded.applied_at.replace("Z", "+00:00")).timestamp()
        yield Sample(LAST_APPLY, (), max(0.0, now - applied))
    yield Sample(UNCONSUMED, (), found[Code.NO_CONSUMER])


def metrics_command(topology: Topology, session: Session) -> Result[MetricsReport]:
    """Exit 0 whatever is found: alerting on the figures is Prometheus' (monitoring/alerts.yml)."""
    report = inspect_topology(topology, session)
    return Result(metrics_of(report, time.time()), ExitCode.OK).on(session.settings)

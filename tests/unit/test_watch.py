"""serve's watch without a broker (the live page is tests/live/test_watch.py): one read feeds the metrics, the
picture and the rates; a read that fails is said without its password; the page's data carries none."""

from __future__ import annotations

import json
import time

from tests.conftest import SEED
from tests.unit.test_graph import applied
from topology.broker.settings import Settings, resolve_settings
from topology.commands.graph import seen_overlay
from topology.commands.inspect import inspect_topology
from topology.commands.metrics import READY, MetricsReport, metrics_of
from topology.errors import BrokerUnavailable
from topology.language.loader import parse_topology
from topology.model import Topology
from topology.picture.graph import Graph, build
from topology.planning.observed import Counts
from topology.testing.fake_session import FakeSession
from topology.web.app import page_data
from topology.web.watch import Watch

TOPOLOGY = parse_topology(SEED)
SETTINGS = resolve_settings("amqp://watcher:s3cret-pw@fake:5672/v")


class Reads:
    """Each read of the fake vhost: for_task_A holds `ready` more messages each time."""

    def __init__(self, step: int) -> None:
        self.step, self.ready = step, 0

    def __call__(self, settings: Settings, topology: Topology) -> tuple[MetricsReport, Graph]:
        counted: Counts = {q.name: (0, 0) for q in topology.queues}
        counted["for_task_A"] = (self.ready, 0)
        self.ready += self.step
        report = inspect_topology(topology, FakeSession(applied(SEED), counted=counted), replies=lambda _: ())
        assert report.seen is not None
        return metrics_of(report, time.time()), build(topology, (), seen_overlay(report.seen))


def test_one_read_feeds_the_metrics_the_picture_and_the_rates() -> None:
    watch = Watch(SETTINGS, lambda: TOPOLOGY, 1, Reads(step=10))
    first = watch._next(watch.latest)
    second = watch._next(first)
    assert second.tick == 2 and second.metrics is not None
    ready = {s.labels[0]: s.value for s in second.metrics.of(READY)}
    assert ready["for_task_A"] == 10
    assert second.rates["for_task_A"] == 10 / (second.at - first.at) and second.rates["default"] == 0
    watch._latest = second
    whole, focused = watch.picture(None), watch.picture("for_task_A")
    assert whole.startswith("<svg") and "queue:for_task_B" in whole
    assert "queue:for_task_A" in focused and "queue:for_task_B" not in focused
    data = json.dumps(page_data(second, watch))
    assert "s3cret-pw" not in data and "watcher:***@fake" in data


def test_a_failed_read_is_said_without_the_password_and_the_next_one_reads_again() -> None:
    reads = []

    def read(settings: Settings, topology: Topology) -> tuple[MetricsReport, Graph]:
        reads.append(settings)
        if len(reads) == 1:
            raise BrokerUnavailable(f"cannot reach {settings.broker.url(secret=True)}: connection refused")
        return Reads(step=0)(settings, topology)

    watch = Watch(SETTINGS, lambda: TOPOLOGY, 1, read)
    failed = watch._next(watch.latest)
    assert "connection refused" in failed.error and "s3cret-pw" not in failed.error and failed.metrics is None
    assert watch.picture(None) == ""
    again = watch._next(failed)
    assert again.error == "" and again.metrics is not None and again.rates == {}

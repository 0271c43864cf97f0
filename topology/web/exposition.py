"""Metrics in Prometheus' text format, through `prometheus_client`: one registry per exposition, so that a
scrape shows exactly one read (a metric without a sample still says its HELP and TYPE)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from topology.commands.metrics import METRICS, MetricsReport

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _Read(Collector):
    def __init__(self, report: MetricsReport) -> None:
        self._report = report

    def collect(self) -> Iterator[Metric]:
        for metric in METRICS:
            family = GaugeMetricFamily(metric.name, metric.help, labels=["vhost", *metric.labels])
            for sample in self._report.of(metric):
                family.add_metric([self._report.vhost, *sample.labels], sample.value)
            yield family


def exposition(report: MetricsReport) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Read(report))
    return generate_latest(registry)

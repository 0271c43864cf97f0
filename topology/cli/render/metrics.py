"""`metrics`: Prometheus' text format (a textfile for node_exporter's collector) to -o or stdout; as JSON,
each sample in the envelope."""

from __future__ import annotations

from topology.cli.envelope import Body
from topology.cli.render import DocumentRenderer
from topology.commands.metrics import MetricsReport
from topology.commands.result import Result
from topology.web.exposition import exposition


def _body(result: Result[MetricsReport]) -> Body:
    samples = [
        {"name": s.metric.name, "labels": dict(zip(s.metric.labels, s.labels, strict=True)), "value": s.value}
        for s in result.report.samples
    ]
    return Body(summary={"samples": len(samples)}, data={"samples": samples})


METRICS = DocumentRenderer("metrics", lambda result: exposition(result.report).decode(), _body)

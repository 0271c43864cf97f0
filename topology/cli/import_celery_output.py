"""What `import-celery` prints: the routing.yaml (to -o or stdout), and each finding on stderr."""

from __future__ import annotations

from topology.cli.written_output import print_written
from topology.commands.import_celery import ImportReport


def print_imported(report: ImportReport, output: str | None, fmt: str) -> None:
    topology = report.imported.topology
    counts = {
        "exchanges": len(topology.exchanges),
        "queues": len(topology.queues),
        "routes": len(topology.routes),
        "schedule": len(topology.schedule),
    }
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    lines = [str(f) for f in report.findings]
    lines.append(f"imported {report.module!r}: {summary}; {len(report.findings)} findings")
    findings = [{"code": f.code, "message": f.message, "where": f.where} for f in report.findings]
    data = {"module": report.module, "counts": counts, "findings": findings}
    print_written(report.text, output, fmt, data, lines)

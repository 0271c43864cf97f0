"""`import-celery`: a Celery app's routing as routing.yaml, to -o or stdout; each finding, each warning and
the next steps on stderr."""

from __future__ import annotations

from topology.broker.settings import redacted
from topology.cli.envelope import Body, target_record
from topology.cli.render import DocumentRenderer
from topology.commands.import_celery import ImportReport
from topology.commands.result import Result
from topology.hints import counted


def _imported_counts(report: ImportReport) -> dict[str, int]:
    topology = report.imported.topology
    return {
        "exchanges": len(topology.exchanges),
        "queues": len(topology.queues),
        "routes": len(topology.routes),
        "schedule": len(topology.schedule),
    }


_IMPORTED_WORDS = {
    "exchanges": ("exchange", ""),
    "queues": ("queue", ""),
    "routes": ("route", ""),
    "schedule": ("schedule entry", "schedule entries"),
}


def _import_lines(result: Result[ImportReport]) -> list[str]:
    report = result.report
    counts = _imported_counts(report)
    summary = ", ".join(counted(n, *_IMPORTED_WORDS[kind]) for kind, n in counts.items())
    found = counted(len(report.findings), "finding")
    warned = f", {counted(len(report.hazards), 'warning')} for {report.target.described}" if report.hazards else ""
    return [
        *map(str, report.findings),
        *map(str, report.hazards),
        f"imported {report.module!r}: {summary}; {found}{warned}",
        "next:",
        *(f"  {step}" for step in report.next_steps),
    ]


def _import_body(result: Result[ImportReport]) -> Body:
    report = result.report
    # about the Celery settings, not a broker object: not the envelope's findings (those name an object)
    findings = [
        {"code": f.code.value, "severity": f.code.severity.value, "message": f.message, "where": f.where}
        for f in report.findings
    ]
    data = {
        "module": report.module,
        "findings": findings,
        "next_steps": [redacted(step) for step in report.next_steps],  # they quote -o's path
        "rabbitmq": target_record(report.target),
        "routing_yaml": report.text,
    }
    return Body(summary=_imported_counts(report), problems=report.hazards, data=data)


IMPORT_CELERY = DocumentRenderer("import-celery", lambda result: result.report.text, _import_body, _import_lines)

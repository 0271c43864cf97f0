"""What `import-celery` prints: the routing.yaml (to -o or stdout), and each finding and warning on stderr."""

from __future__ import annotations

from topology.cli.envelope import envelope, target_record
from topology.cli.written_output import print_written
from topology.commands.import_celery import ImportReport
from topology.commands.result import ExitCode
from topology.hints import counted


def print_imported(report: ImportReport, output: str | None, fmt: str) -> None:
    topology = report.imported.topology
    counts = {
        "exchanges": len(topology.exchanges),
        "queues": len(topology.queues),
        "routes": len(topology.routes),
        "schedule": len(topology.schedule),
    }
    words = {"exchanges": "exchange", "queues": "queue", "routes": "route", "schedule": "schedule entry"}
    summary = ", ".join(
        counted(n, words[kind], "schedule entries" if kind == "schedule" else "") for kind, n in counts.items()
    )
    lines = [str(f) for f in report.findings] + [str(p) for p in report.hazards]
    warned = f", {counted(len(report.hazards), 'warning')} for {report.target.described}" if report.hazards else ""
    lines.append(f"imported {report.module!r}: {summary}; {counted(len(report.findings), 'finding')}{warned}")
    lines += ["next:", *(f"  {step}" for step in report.next_steps)]
    # about the Celery settings, not a broker object: not the envelope's findings (those name an object)
    findings = [{"code": f.code, "message": f.message, "where": f.where} for f in report.findings]
    exit_code = ExitCode.DIFFERS if report.findings else ExitCode.OK  # as import_command decides
    document = envelope(
        "import-celery",
        exit_code,
        summary=counts,
        problems=report.hazards,
        data={
            "module": report.module,
            "findings": findings,
            "next_steps": [*report.next_steps],
            "rabbitmq": target_record(report.target),
        },
    )
    print_written(report.text, output, fmt, document, lines)

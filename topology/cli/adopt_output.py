"""What `adopt` prints: the routing.yaml (to -o or stdout), and on stderr what was left out and why."""

from __future__ import annotations

from topology.cli.envelope import envelope, error_problem
from topology.cli.written_output import print_written
from topology.commands.adopt import AdoptReport
from topology.commands.result import ExitCode


def print_adopted(report: AdoptReport, output: str | None, fmt: str) -> None:
    topology = report.adopted.topology
    counts = {
        "exchanges": len(topology.exchanges),
        "queues": len(topology.queues),
        "bindings": len(topology.all_bindings()),
        "policies": len(topology.policies),
    }
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    lines = [f"left out {line}" for line in report.adopted.left_out] + list(report.problems)
    lines.append(f"adopted from vhost {report.vhost!r}: {summary}")
    exit_code = ExitCode.DIFFERS if report.problems else ExitCode.OK  # as adopt_command decides
    document = envelope(
        "adopt",
        exit_code,
        vhost=report.vhost,
        summary=counts,
        problems=[error_problem(problem) for problem in report.problems],
        data={"left_out": list(report.adopted.left_out)},
    )
    print_written(report.text, output, fmt, document, lines)

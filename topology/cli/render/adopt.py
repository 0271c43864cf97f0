"""`adopt`: a live vhost as routing.yaml, to -o or stdout; on stderr what was left out and why."""

from __future__ import annotations

from topology.cli.envelope import Body, error_problem
from topology.cli.render import DocumentRenderer
from topology.commands.adopt import AdoptReport
from topology.commands.result import Result


def _adopted_counts(report: AdoptReport) -> dict[str, int]:
    topology = report.adopted.topology
    return {
        "exchanges": len(topology.exchanges),
        "queues": len(topology.queues),
        "bindings": len(topology.all_bindings()),
        "policies": len(topology.policies),
    }


def _adopt_lines(result: Result[AdoptReport]) -> list[str]:
    report = result.report
    summary = ", ".join(f"{n} {kind}" for kind, n in _adopted_counts(report).items())
    lines = [f"left out {line}" for line in report.adopted.left_out] + list(report.problems)
    lines += [f"warning   {f.code.value}: {f.message}; fix: {f.fix}" for f in report.findings]
    return [*lines, f"adopted from vhost {report.vhost!r}: {summary}"]


def _adopt_body(result: Result[AdoptReport]) -> Body:
    report = result.report
    return Body(
        summary=_adopted_counts(report),
        problems=[error_problem(problem) for problem in report.problems],
        findings=report.findings,
        data={"left_out": list(report.adopted.left_out), "routing_yaml": report.text},
    )


ADOPT = DocumentRenderer("adopt", lambda result: result.report.text, _adopt_body, _adopt_lines)

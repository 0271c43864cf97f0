"""`apply`: each step that did something (or could not), its fix, and one line for the whole."""

from __future__ import annotations

from collections import Counter

import click

from topology.cli.envelope import Body, change_record
from topology.cli.render import Renderer
from topology.commands.apply import ApplyReport, StepStatus
from topology.commands.result import Result


def text(result: Result[ApplyReport]) -> None:
    report = result.report
    fixes = {c.ref: c.fix for c in report.plan.changes if c.fix}
    if report.refused:
        click.echo(report.refused)
        for change in report.plan.findings:
            click.echo(f"{change.action.value:<9} {change.kind.value:<8} {change.ref.shown}")
    for step in report.steps:
        if step.status is not StepStatus.UNCHANGED:
            detail = f"  {step.detail}" if step.detail else ""
            click.echo(f"{step.status.value:<9} {step.ref.kind.value:<8} {step.ref.shown}{detail}")
            if step.status in (StepStatus.CONFLICT, StepStatus.EXTRA) and fixes.get(step.ref):
                click.echo(f"{'':<9} fix: {fixes[step.ref]}")
    summary = ", ".join(f"{n} {status}" for status, n in _statuses(report).items())
    verdict = "applied" if report.ok else "NOT applied"
    click.echo(f"{verdict} to vhost {result.vhost!r} on {result.broker}: {summary or 'nothing sent'}")
    if report.note:
        click.echo(report.note)


def body(result: Result[ApplyReport]) -> Body:
    report = result.report
    steps = {step.ref: step for step in report.steps}
    changes = [change_record(c, steps[c.ref], report.plan.declared(c)) for c in report.plan.changes if c.ref in steps]
    return Body(
        summary=_statuses(report),
        note="; ".join(filter(None, (report.refused, report.note))),
        findings=report.findings,
        changes=changes,
        data={"owner": report.plan.owner},
    )


def _statuses(report: ApplyReport) -> dict[str, int]:
    return dict(Counter(step.status.value for step in report.steps))


APPLY = Renderer("apply", text, body)

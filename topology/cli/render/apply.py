"""`apply`: each step that did something (or could not), its fix, and one line for the whole."""

from __future__ import annotations

from collections import Counter
from typing import Any

import click

from topology.cli.envelope import Body, change_record
from topology.cli.render import Renderer
from topology.commands.apply import ApplyReport, StepStatus
from topology.commands.migrate import Migrated
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
    for m in report.migrated:
        steps = ", ".join(map(str, m.steps)) or "none"
        outcome = f"failed: {m.failed}" if m.failed else "done"
        click.echo(
            f"migrate   queue    {m.queue!r}: steps {steps} {outcome}; {m.moved_out} moved out, {m.moved_back} back "
            f"by {m.mover.value}, {m.seconds:.1f} s"
        )
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
        data={"owner": report.plan.owner, "migrations": [_migrated(m) for m in report.migrated]},
    )


def _migrated(m: Migrated) -> dict[str, Any]:
    return {
        "queue": m.queue,
        "mover": m.mover.value,
        "steps": list(m.steps),
        "moved_out": m.moved_out,
        "moved_back": m.moved_back,
        "seconds": round(m.seconds, 3),
        "failed": m.failed or None,
    }


def _statuses(report: ApplyReport) -> dict[str, int]:
    return dict(Counter(step.status.value for step in report.steps))


APPLY = Renderer("apply", text, body)

"""`replay`: what became of each kept task chosen: replayed, or kept and why."""

from __future__ import annotations

import click

from topology.cli.envelope import Body, change_record
from topology.cli.render import Renderer
from topology.commands.recover import ReplayReport
from topology.commands.result import Result
from topology.hints import APPLY, counted


def text(result: Result[ReplayReport]) -> None:
    report = result.report
    outcome = report.outcome
    if outcome is None:
        click.echo(
            f"nothing replayed: the broker does not match routing.yaml ({len(report.pending)} changes pending), "
            "and replayed tasks follow routing.yaml",
            err=True,
        )
        for change in report.pending:
            click.echo(f"  {change.action.value} {change.ref}", err=True)
        click.echo(f"run `{APPLY}` first", err=True)
        return
    for said in report.unmatched:
        click.echo(said, err=True)
    for kept in outcome.replayed:
        click.echo(f"replayed  {kept.task}[{kept.id}] {kept.arguments}")
    for kept, why in report.stayed:
        click.echo(f"kept      {kept.task or '(not a task)'}[{kept.id or '-'}]: {why}")
    stopped = "; interrupted: the rest stay in the queue" if outcome.interrupted else ""
    left = f"; {counted(report.left, 'other task')} not chosen, still kept" if report.left else ""
    click.echo(
        f"{counted(len(outcome.replayed), 'task')} replayed from {report.queue!r} (each removed once RabbitMQ "
        f"confirmed its replay), {len(report.stayed)} kept{stopped}{left}"
    )


def body(result: Result[ReplayReport]) -> Body:
    report = result.report
    outcome = report.outcome
    replayed = [k.to_json() for k in outcome.replayed] if outcome else []
    data = {
        "net": report.net.value,
        "queue": report.queue,
        "refused": outcome is None,
        "replayed": replayed,
        "stayed": [{**k.to_json(), "why": why} for k, why in report.stayed],
        "interrupted": outcome.interrupted if outcome else False,
        "unmatched": list(report.unmatched),
        "not_chosen": report.left,
    }
    return Body(
        summary={"replayed": len(replayed), "stayed": len(report.stayed)},
        changes=[change_record(change) for change in report.pending],
        data=data,
    )


REPLAY = Renderer("replay", text, body)

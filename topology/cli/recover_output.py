"""What `dead-letters` and `replay` print: text for people, JSON for programs. Rendering only."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from topology.cli.output import print_columns, print_json
from topology.planning.kept import KeptTask

if TYPE_CHECKING:
    from topology.commands.recover import KeptReport, ReplayReport

COLUMNS = ("TASK", "ID", "ARGUMENTS", "EXCHANGE", "ROUTING KEY", "REASON", "QUEUE", "TIME", "DELIVERIES")


def print_kept(report: KeptReport, fmt: str) -> None:
    read = report.read
    if fmt == "json":
        tasks = [k.to_json() for k in read.tasks]
        print_json({"net": report.net.value, "queue": report.queue, "ready": read.ready, "tasks": tasks})
        return
    shown = f", the first {len(read.tasks)} shown" if len(read.tasks) < read.ready else ""
    click.echo(f"{read.ready} tasks in queue {report.queue!r}{shown} (read, not consumed)")
    if read.tasks:
        print_columns(COLUMNS, [_row(k) for k in read.tasks])


def _row(kept: KeptTask) -> tuple[str, ...]:
    deliveries = str(kept.deliveries) if kept.deliveries is not None else "-"
    time = kept.time.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if kept.time else "-"
    reason = kept.reason if kept.deaths <= 1 else f"{kept.reason} ({kept.deaths} times)"
    return (
        kept.task or "(not a task)",
        kept.id or "-",
        kept.arguments,
        repr(kept.exchange),
        repr(kept.routing_key),
        reason,
        kept.queue or "-",
        time,
        deliveries,
    )


def print_replayed(report: ReplayReport, fmt: str) -> None:
    outcome = report.outcome
    if fmt == "json":
        print_json(
            {
                "net": report.net.value,
                "queue": report.queue,
                "refused": [
                    {"action": c.action.value, "object": str(c.ref), "detail": c.detail} for c in report.pending
                ],
                "replayed": [k.to_json() for k in outcome.replayed] if outcome else [],
                "stayed": [{**k.to_json(), "why": why} for k, why in report.stayed],
                "interrupted": outcome.interrupted if outcome else False,
            }
        )
        return
    if outcome is None:
        click.echo(
            f"nothing replayed: the broker does not match routing.yaml ({len(report.pending)} changes pending), "
            "and replayed tasks follow routing.yaml",
            err=True,
        )
        for change in report.pending:
            click.echo(f"  {change.action.value} {change.ref}", err=True)
        click.echo("run `python -m topology apply` first", err=True)
        return
    for kept in outcome.replayed:
        click.echo(f"replayed  {kept.task}[{kept.id}] {kept.arguments}")
    for kept, why in report.stayed:
        click.echo(f"kept      {kept.task or '(not a task)'}[{kept.id or '-'}]: {why}")
    stopped = "; interrupted: the rest stay in the queue" if outcome.interrupted else ""
    click.echo(
        f"{len(outcome.replayed)} tasks replayed from {report.queue!r} (each removed once RabbitMQ confirmed its "
        f"replay), {len(report.stayed)} kept{stopped}"
    )

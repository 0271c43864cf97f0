"""What `dead-letters` and `replay` print: text for people, JSON for programs. Rendering only."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from topology.cli.envelope import change_record, envelope
from topology.cli.output import print_columns, print_json
from topology.commands.result import ExitCode
from topology.hints import counted
from topology.planning.kept import KeptTask

if TYPE_CHECKING:
    from topology.commands.recover import KeptReport, ReplayReport

COLUMNS = ("TASK", "ID", "ARGUMENTS", "EXCHANGE", "ROUTING KEY", "REASON", "QUEUE", "TIME", "DELIVERIES")


def print_kept(report: KeptReport, fmt: str) -> None:
    read = report.read
    if fmt == "json":
        tasks = [k.to_json() for k in read.tasks]
        data = {"net": report.net.value, "queue": report.queue, "ready": read.ready, "tasks": tasks}
        print_json(
            envelope("dead-letters", ExitCode.OK, summary={"ready": read.ready, "listed": len(tasks)}, data=data)
        )
        return
    shown = f", the first {len(read.tasks)} shown" if len(read.tasks) < read.ready else ""
    click.echo(f"{counted(read.ready, 'task')} in queue {report.queue!r}{shown} (read, not consumed)")
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
        interrupted = outcome.interrupted if outcome else False
        replayed = [k.to_json() for k in outcome.replayed] if outcome else []
        # as replay decides: refused (the changes pending), some kept or interrupted is 1
        exit_code = ExitCode.DIFFERS if outcome is None or report.stayed or interrupted else ExitCode.OK
        data = {
            "net": report.net.value,
            "queue": report.queue,
            "refused": outcome is None,
            "replayed": replayed,
            "stayed": [{**k.to_json(), "why": why} for k, why in report.stayed],
            "interrupted": interrupted,
        }
        print_json(
            envelope(
                "replay",
                exit_code,
                summary={"replayed": len(replayed), "stayed": len(report.stayed)},
                changes=[change_record(change) for change in report.pending],
                data=data,
            )
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
        f"{counted(len(outcome.replayed), 'task')} replayed from {report.queue!r} (each removed once RabbitMQ "
        f"confirmed its replay), {len(report.stayed)} kept{stopped}"
    )

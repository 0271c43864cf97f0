"""`dead-letters`: the tasks a net keeps, read without consuming them; with --discard, those dropped."""

from __future__ import annotations

import click

from topology.cli.envelope import Body
from topology.cli.render import Renderer
from topology.cli.render.text import print_columns
from topology.commands.recover import DiscardReport, KeptReport
from topology.commands.result import Result
from topology.hints import counted
from topology.planning.kept import KeptTask

COLUMNS = ("TASK", "ID", "ARGUMENTS", "EXCHANGE", "ROUTING KEY", "REASON", "QUEUE", "TIME", "DELIVERIES")


def text(result: Result[KeptReport]) -> None:
    report = result.report
    read = report.read
    shown = f", the first {len(read.tasks)} shown" if len(read.tasks) < read.ready else ""
    click.echo(f"{counted(read.ready, 'task')} in queue {report.queue!r}{shown} (read, not consumed)")
    if read.tasks:
        print_columns(COLUMNS, [_row(k) for k in read.tasks])


def body(result: Result[KeptReport]) -> Body:
    report = result.report
    read = report.read
    tasks = [k.to_json() for k in read.tasks]
    data = {"net": report.net.value, "queue": report.queue, "ready": read.ready, "tasks": tasks}
    return Body(summary={"ready": read.ready, "listed": len(tasks)}, data=data)


DEAD_LETTERS = Renderer("dead-letters", text, body)


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


def discard_text(result: Result[DiscardReport]) -> None:
    report = result.report
    for said in report.unmatched:
        click.echo(said, err=True)
    if report.outcome is None:
        click.echo(f"nothing discarded: {counted(report.chosen, 'task')} of queue {report.queue!r} stay kept")
        return
    for kept in report.outcome.discarded:
        click.echo(f"discarded {kept.task or '(not a task)'}[{kept.id or '-'}] {kept.arguments}")
    stopped = "; interrupted: the rest stay in the queue" if report.outcome.interrupted else ""
    click.echo(f"{counted(len(report.outcome.discarded), 'task')} discarded from {report.queue!r}{stopped}")


def discard_body(result: Result[DiscardReport]) -> Body:
    report = result.report
    discarded = [k.to_json() for k in report.outcome.discarded] if report.outcome else []
    data = {
        "net": report.net.value,
        "queue": report.queue,
        "confirmed": report.outcome is not None,
        "discarded": discarded,
        "unmatched": list(report.unmatched),
        "interrupted": report.outcome.interrupted if report.outcome else False,
    }
    return Body(summary={"chosen": report.chosen, "discarded": len(discarded)}, data=data)


DISCARD = Renderer("dead-letters", discard_text, discard_body)

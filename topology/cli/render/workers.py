"""`workers`: each queue's consumers as Celery workers, and what is wrong with who consumes what."""

from __future__ import annotations

from typing import Any

import click

from topology.cli.envelope import Body
from topology.cli.render import Renderer
from topology.cli.render.text import echo_lines, finding_lines, print_columns
from topology.commands.result import Result
from topology.commands.workers import WorkersReport
from topology.planning.consumers import WorkerConsumer


def worker_data(each: WorkerConsumer) -> dict[str, Any]:
    consumer = each.consumer
    return {
        "queue": consumer.queue,
        "worker": each.worker,
        "shown": each.shown,
        "host": each.host,
        "pid": each.pid,
        "prefetch": consumer.prefetch,
        "taking_messages": consumer.taking_messages,
        "identified_by": each.identified.value,
        "consumer_tag": consumer.tag,
        "connection": consumer.connection,
        "client": consumer.product,
    }


def text(result: Result[WorkersReport]) -> None:
    report = result.report
    if report.unseen:
        click.echo(report.unseen, err=True)
        return
    if not report.consumers:
        click.echo(f"no consumers in vhost {result.vhost!r}")
    else:
        print_columns(
            ("QUEUE", "WORKER", "HOST", "PID", "PREFETCH", "STATE", "NAMED BY"),
            [_row(each) for each in report.consumers],
        )
    echo_lines(finding_lines(report.findings))
    if report.lag:
        click.echo(f"note: {report.lag}")


def _row(each: WorkerConsumer) -> tuple[str, ...]:
    return (
        each.consumer.queue,
        each.shown,
        each.host or "-",
        str(each.pid) if each.pid is not None else "-",
        "?" if each.consumer.prefetch is None else str(each.consumer.prefetch),
        "consuming" if each.consumer.taking_messages else "not taking messages",
        each.identified.value,
    )


def body(result: Result[WorkersReport]) -> Body:
    report = result.report
    data = {
        "consumers": [worker_data(each) for each in report.consumers],
        "asked_remote_control": report.asked_remote_control,
    }
    note = "; ".join(filter(None, (report.unseen, report.lag)))
    return Body(note=note, findings=report.findings, data=data)


WORKERS = Renderer("workers", text, body)

"""Who consumes what, every queue's backlog, and where tasks go on the broker: text and JSON.

Rendering only. `print_workers` is the `workers` command; `inspect_data` and `print_inspect_traffic` add
inspect's parts for the whole vhost; `print_live_routes` is `routes --live`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import click

from topology.cli.envelope import envelope
from topology.cli.output import print_columns, print_json
from topology.commands.workers import workers_exit_code
from topology.model import DEAD_LETTER_NET, UNROUTABLE_NET
from topology.planning.consumers import WorkerConsumer, workers_by_queue
from topology.planning.drift import Finding

if TYPE_CHECKING:
    from topology.commands.inspect import InspectReport
    from topology.commands.workers import WorkersReport
    from topology.planning.live_routes import LiveRoute


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


def print_findings(findings: tuple[Finding, ...] | list[Finding]) -> None:
    if findings:
        click.echo("\n".join(f"{f.severity.value:<7} {f.code:<17} {f.message}" for f in findings))


def print_workers(report: WorkersReport, fmt: str) -> None:
    if fmt == "json":
        exit_code = workers_exit_code(report)
        data = {
            "consumers": [worker_data(each) for each in report.consumers],
            "asked_remote_control": report.asked_remote_control,
        }
        print_json(
            envelope("workers", exit_code, vhost=report.vhost, note=report.note, findings=report.findings, data=data)
        )
        return
    if report.note:
        click.echo(report.note, err=True)
        return
    if not report.consumers:
        click.echo(f"no consumers in vhost {report.vhost!r}")
    else:
        print_columns(
            ("QUEUE", "WORKER", "HOST", "PID", "PREFETCH", "STATE", "NAMED BY"), _worker_rows(report.consumers)
        )
    print_findings(report.findings)


def _worker_rows(consumers: tuple[WorkerConsumer, ...]) -> list[tuple[str, ...]]:
    return [
        (
            each.consumer.queue,
            each.shown,
            each.host or "-",
            str(each.pid) if each.pid is not None else "-",
            "?" if each.consumer.prefetch is None else str(each.consumer.prefetch),
            "consuming" if each.consumer.taking_messages else "not taking messages",
            each.identified.value,
        )
        for each in consumers
    ]


def inspect_data(report: InspectReport) -> dict[str, Any]:
    """inspect's JSON for the whole vhost: every queue, its consumers as workers, each task's live way."""
    by_queue = workers_by_queue(report.workers)
    return {
        "vhost_queues": [
            {
                "name": q.name,
                "messages_ready": q.ready,
                "messages_unacknowledged": q.unacked,
                "consumers": q.consumers,
                "oldest_message_age": q.age(report.now),
                "workers": [worker_data(each) for each in by_queue.get(q.name, [])],
            }
            for q in report.traffic.queues
        ],
        "live_routes": [route_data(route) for route in report.routes],
    }


def print_inspect_traffic(report: InspectReport) -> None:
    """Every queue of the vhost with its backlog and the workers consuming it."""
    if not report.traffic.queues:
        return
    by_queue = workers_by_queue(report.workers)
    rows = []
    for queue in report.traffic.queues:
        age = queue.age(report.now)
        workers = ", ".join(each.shown for each in by_queue.get(queue.name, [])) or "-"
        rows.append(
            (
                queue.name,
                _count(queue.ready),
                _count(queue.unacked),
                f"{age:.0f}s" if age is not None else "-",
                workers,
            )
        )
    click.echo(f"every queue of vhost {report.vhost!r} (management API statistics):")
    print_columns(("QUEUE", "READY", "UNACKED", "OLDEST", "CONSUMED BY"), rows)


def _count(value: int | None) -> str:
    return "?" if value is None else str(value)


def route_data(route: LiveRoute) -> dict[str, Any]:
    return {
        "task": route.task,
        "rule": route.rule,
        "exchange": route.exchange,
        "routing_key": route.routing_key,
        "queues_in_file": list(route.declared.queues) if route.declared else [],
        "queues_on_broker": list(route.live.queues) if route.live else [],
        "captured": list(route.captured),
        "lost": list(route.lost),
    }


def _live_route_row(route: LiveRoute) -> dict[str, Any]:
    return {
        "task": route.task,
        "rule": route.rule,
        "line": None,
        "exchange": route.exchange,
        "routing_key": route.routing_key,
        "queues": list(route.live.queues) if route.live else [],
    }


def print_live_routes(
    vhost: str,
    routes: list[LiveRoute],
    fmt: str,
    task_names: str | None = None,
    nets: Collection[str] = (UNROUTABLE_NET, DEAD_LETTER_NET),
) -> None:
    """`task_names`: the routes command's line on how the task names were checked, if known; `nets`: the
    file's nets' queues (`topology.nets.names`), where a task that reaches no queue of its own is kept."""
    if fmt == "json":
        exit_code = 1 if any(route.captured or route.lost for route in routes) else 0  # as _live_routes decides
        data = {
            # `routes`' records, the queues the broker's bindings deliver to; the whole way in live_routes
            "tasks": [_live_route_row(route) for route in routes],
            "task_names": task_names,
            "live_routes": [route_data(route) for route in routes],
        }
        print_json(envelope("routes", exit_code, vhost=vhost, data=data))
        return
    dropped = click.style("DROPPED", fg="red", bold=True)
    rows = []
    for route in routes:
        reached = route.live.queues if route.live else ()
        own = [q for q in reached if q not in nets]
        kept = [q for q in reached if q in nets]
        if own:
            live = ", ".join(own)
        elif kept:  # no binding takes it: the unroutable net keeps it, as bad as dropped for its workers
            live = click.style("kept: " + ", ".join(kept), fg="red", bold=True)
        else:
            live = dropped
        captured = [q for q in route.captured if q not in nets]
        differs = "; ".join(
            part
            for part in (
                captured and "not in routing.yaml: " + ", ".join(captured),
                route.lost and "routing.yaml also says: " + ", ".join(route.lost),
            )
            if part
        )
        rows.append(
            (
                route.task,
                route.rule,
                route.exchange or "(default)",
                route.routing_key or "",
                live,
                differs or "as routing.yaml",
            )
        )
    click.echo(f"routes through the bindings on the broker, vhost {vhost!r}:")
    print_columns(("TASK", "RULE", "EXCHANGE", "ROUTING KEY", "QUEUES ON THE BROKER", "VS ROUTING.YAML"), rows)

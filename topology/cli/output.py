"""What the commands print: one text and one JSON form of each report (JSON for CI, text for people).

Rendering only: every figure printed is in the report it is given. Kept out of main.py so that the CLI
can start reading the broker before importing the plan, routing and model code this module needs.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import click

from topology import hints
from topology.broker.settings import Settings
from topology.model import Problem, Severity, Topology
from topology.planning.plan import Action, Change, Plan
from topology.routing import deliver, route_destination, route_for, task_message

if TYPE_CHECKING:
    from topology.celery_adapter.app import AppTasks
    from topology.commands.apply import ApplyReport
    from topology.commands.doctor import DoctorReport
    from topology.commands.inspect import InspectReport
    from topology.commands.validate import Checked


def print_json(data: dict[str, Any]) -> None:
    """Indented on a terminal, compact for a program: indenting takes the pure-Python encoder, several times
    slower on a large apply. Plain json.dumps: rich's highlighted JSON took seconds."""
    indent = 2 if sys.stdout.isatty() else None
    click.echo(json.dumps(data, indent=indent, default=lambda value: getattr(value, "value", str(value))))


def print_columns(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """Aligned columns under a header, as `kubectl get` prints them, in one write: rich's tables cost
    a large vhost's inspect more than all the rest of it (docs/performance.md)."""
    from rich.cells import cell_len  # a wide character (CJK) takes two columns

    lines = [header, *rows]
    widths = [max(cell_len(line[column]) for line in lines) for column in range(len(header) - 1)]

    def aligned(line: tuple[str, ...]) -> str:
        padded = (cell + " " * (width - cell_len(cell)) for cell, width in zip(line[:-1], widths, strict=True))
        return "  ".join([*padded, line[-1]])  # the last column unpadded: no trailing blanks

    click.echo("\n".join(map(aligned, lines)))


def print_problems(problems: tuple[Problem, ...]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def tasks_line(tasks: AppTasks | None) -> str:
    if tasks is None:
        return "task names not checked: no Celery app given (`app:` in the file, or --app)"
    if tasks.error is not None:
        return f"task names not checked: cannot import Celery app {tasks.app!r}: {tasks.error}"
    return f"task names checked against Celery app {tasks.app!r}: {len(tasks.own)} tasks"


def print_routes(topology: Topology, names: list[str], tasks: AppTasks | None, fmt: str) -> None:
    rows = [_route_row(topology, name) for name in names]
    if fmt == "json":
        print_json({"tasks": rows, "note": tasks_line(tasks)})
        return
    dropped = click.style("DROPPED", fg="red", bold=True)
    print_columns(
        ("TASK", "RULE (LINE)", "EXCHANGE", "ROUTING KEY", "QUEUES"),
        [
            (
                row["task"],
                f"{row['rule']} ({row['line']})",
                row["exchange"] or "(default)",
                row["routing_key"] or "",
                ", ".join(row["queues"]) or dropped,
            )
            for row in rows
        ],
    )
    click.echo(tasks_line(tasks))


def _route_row(topology: Topology, name: str) -> dict[str, Any]:
    route = route_for(topology, name)
    destination = route_destination(topology, route)
    delivery = deliver(topology, destination.exchange, task_message(destination, name)) if destination else None
    origin = route.origin if route is not None else topology.default_queue_origin
    return {
        "task": name,
        "rule": route.pattern if route is not None else "default_queue",
        "line": origin.line if origin else None,
        "exchange": destination.exchange if destination else None,
        "routing_key": destination.routing_key if destination else None,
        "queues": list(delivery.queues) if delivery else [],
    }


def print_plan(planned: Plan, settings: Settings, fmt: str) -> None:
    if fmt == "json":
        print_json(_plan_data(planned))
        return
    implied = Counter(c.implied_by for c in planned.changes if c.implied_by and c.action is not Action.UNCHANGED)
    for change in planned.findings:
        more = f" (and {implied[change.ref]} of its bindings)" if implied[change.ref] else ""
        detail = f"  {change.detail}" if change.detail else ""
        click.echo(f"{change.action.value:<9} {change.kind.value:<8} {change.ref.shown}{more}{detail}")
    click.echo(f"plan for vhost {settings.vhost!r} on {settings.broker} (owner {planned.owner!r}):")
    for action in Action:
        changes = planned.of(action)
        if changes:
            click.echo(f"  {action.value:<9} {len(changes):>6}  {_kinds(changes)}")
    if planned.note:
        click.echo(planned.note)
    if planned.since is not None:
        click.echo(planned.since.message)
    if planned.conflicts:
        click.echo(f"{len(planned.conflicts)} conflicts: `apply` changes nothing until they are fixed")
    elif planned.pending:
        click.echo(f"{len(planned.pending)} changes pending: run `{hints.APPLY}`")
    else:
        click.echo("nothing to do")


def _plan_data(planned: Plan) -> dict[str, Any]:
    shown = [c for c in planned.changes if c.action is not Action.UNCHANGED]
    return {
        "vhost": planned.vhost,
        "owner": planned.owner,
        "counts": planned.counts,
        "pending": len(planned.pending),
        "conflicts": len(planned.conflicts),
        "note": planned.note,
        "since_last_apply": planned.since.data() if planned.since else None,
        "changes": [
            {
                "action": c.action.value,
                "kind": c.kind.value,
                "name": c.ref.shown,
                "detail": c.detail,
                "implied_by": str(c.implied_by) if c.implied_by else None,
            }
            for c in shown
        ],
    }


def _kinds(changes: tuple[Change, ...]) -> str:
    counted = Counter(c.kind for c in changes)
    return ", ".join(f"{n} {kind.value if n == 1 else kind.plural}" for kind, n in counted.items())


def print_apply(report: ApplyReport, settings: Settings, fmt: str) -> None:
    if fmt == "json":
        data = {"vhost": settings.vhost, "ok": report.ok, "note": report.note, "counts": report.plan.counts}
        steps = [
            {"status": s.status.value, "kind": s.ref.kind.value, "name": s.ref.shown, "detail": s.detail}
            for s in report.steps
        ]
        print_json(data | {"steps": steps})
        return
    for step in report.steps:
        if step.status.value != "unchanged":
            detail = f"  {step.detail}" if step.detail else ""
            click.echo(f"{step.status.value:<9} {step.ref.kind.value:<8} {step.ref.shown}{detail}")
    counts = Counter(step.status.value for step in report.steps)
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    verdict = "applied" if report.ok else "NOT applied"
    click.echo(f"{verdict} to vhost {settings.vhost!r} on {settings.broker}: {summary}")
    if report.note:
        click.echo(report.note)


def print_inspect(topology: Topology, report: InspectReport, settings: Settings, in_sync: bool, fmt: str) -> None:
    from topology.cli import workers_output  # it imports this module's helpers

    transport = report.transport
    if fmt == "json":
        print_json(
            {
                "vhost": report.vhost,
                "broker": str(settings.broker),
                "transport": asdict(transport),
                "in_sync": in_sync,
                "note": report.note,
                "since_last_apply": report.since.data() if report.since else None,
                "findings": [
                    {"code": f.code, "severity": f.severity.value, "subject": str(f.ref), "message": f.message}
                    for f in report.findings
                ],
                "queues": _queue_rows(topology, report),
                **workers_output.inspect_data(report),
            }
        )
        return
    click.echo(f"vhost {report.vhost!r} on {settings.broker}, management API {settings.management}")
    click.echo(f"Celery transport: {transport.module} ({transport.reason})")
    print_columns(
        ("QUEUE", "READY", "CONSUMERS", "ROUTED TASKS"), [_queue_line(row) for row in _queue_rows(topology, report)]
    )
    workers_output.print_inspect_traffic(report)
    if report.findings:
        click.echo("\n".join(f"{f.severity.value:<7} {f.code:<17} {f.message}" for f in report.findings))
    if report.note:
        click.echo(report.note)
    if report.since is not None:
        click.echo(report.since.message)
    errors = sum(1 for f in report.findings if f.severity is Severity.ERROR)
    warnings = len(report.findings) - errors
    state = "in sync" if in_sync else "NOT in sync"
    click.echo(f"{state}: {errors} drift findings, {warnings} warnings")


def _queue_line(row: dict[str, Any]) -> tuple[str, ...]:
    routed = row["routed"]
    tasks = "-" if routed is None else (", ".join(routed) or "(tasks without a route)")
    if not row["exists"]:
        return (row["name"], "missing", "missing", tasks)
    return (row["name"], str(row["messages_ready"]), str(row["consumers"]), tasks)


def _queue_rows(topology: Topology, report: InspectReport) -> list[dict[str, Any]]:
    rows = []
    for queue in topology.queues:
        live = report.live.queues.get(queue.name)
        rows.append(
            {
                "name": queue.name,
                "exists": live is not None,
                "messages_ready": live.messages_ready if live else None,
                "consumers": live.consumers if live else None,
                "routed": report.routed.get(queue.name),
            }
        )
    return rows


def print_validated(checked: Checked) -> None:
    print_problems(checked.loaded.warnings)
    topology = checked.loaded.topology
    counted = (
        (len(topology.exchanges), "exchange", "exchanges"),
        (len(topology.queues), "queue", "queues"),
        (len(topology.all_bindings()), "binding", "bindings"),
        (len(topology.routes), "route", "routes"),
        (len(topology.schedule), "schedule entry", "schedule entries"),
        (len(checked.loaded.warnings), "warning", "warnings"),
    )
    click.echo(f"{checked.path}: ok: " + ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counted))
    click.echo(tasks_line(checked.tasks))


def print_doctor(report: DoctorReport) -> None:
    settings, transport = report.settings, report.transport
    click.echo(f"Python {sys.version.split()[0]}; Celery transport: {transport.module}")
    click.echo(f"  {transport.reason}")
    click.echo(f"AMQP: connected to {settings.broker}, vhost {settings.vhost!r}")
    click.echo(
        f"management API: {settings.management} answers ({report.exchanges} exchanges, "
        f"{report.queues} queues in the vhost)"
    )
    if report.nodes is None:
        user = settings.management.username
        click.echo(f"  file descriptor limits not shown: user {user!r} lacks the monitoring tag")
    for node in report.nodes or ():
        click.echo(f"  {hints.file_limit(node.name, node.file_descriptors)}")

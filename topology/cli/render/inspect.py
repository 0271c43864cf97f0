"""`inspect`: one table of every queue of the vhost (each figure from one source), the cluster, each finding
with its fix, and the verdict."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import click

from topology.cli.envelope import Body
from topology.cli.render import Renderer
from topology.cli.render.plan import print_versioned, versioned_data
from topology.cli.render.routes import route_data
from topology.cli.render.text import echo_lines, finding_lines, print_columns
from topology.cli.render.workers import worker_data
from topology.codes import Group, Severity
from topology.commands.inspect import InspectReport
from topology.commands.result import Result
from topology.hints import counted
from topology.planning.inspection import QueueRow

UNKNOWN = "?"  # a count nobody could give: a queue on a cluster node that is down


def text(result: Result[InspectReport]) -> None:
    report = result.report
    click.echo(f"vhost {result.vhost!r} on {result.broker}, management API {report.management}")
    header = ("QUEUE", "READY", "UNACKED", "OLDEST", "CONSUMED BY", "ROUTED TASKS")
    rows = [_row(row, report.statistics) for row in report.queues]
    print_columns(header if report.statistics else (header[0], header[1], header[4], header[5]), rows)
    _print_cluster(report)
    if report.delayed is not None:
        click.echo(f"{counted(report.delayed, 'task')} delayed: waiting in the delay ladder until due")
    echo_lines(finding_lines(report.findings))
    print_versioned(report.rabbitmq, report.delivery_limits)
    if report.note:
        click.echo(f"note: {report.note}")
    if report.since is not None:
        click.echo(report.since.message)
    click.echo(_verdict(result))


def _verdict(result: Result[InspectReport]) -> str:
    counts = _summary(result.report)
    kept = f"{counted(counts['kept'], 'net')} keeping tasks, " if counts["kept"] else ""
    state = "in sync" if not counts["drift"] else "NOT in sync"
    line = f"{state}: {counted(counts['drift'], 'drift finding')}, {kept}{counted(counts['warnings'], 'warning')}"
    if result.exit_code and not counts["drift"]:
        report = result.report
        groups = {f.code.group for f in report.findings if f.code.fails(require_consumers=report.require_consumers)}
        why = [said for group, said in _FAILING.items() if group in groups]
        line += f" (exit {int(result.exit_code)}: {', '.join(why)})"
    return line


_FAILING = {Group.KEPT: "tasks wait in the nets", Group.CONSUMERS: "--require-consumers"}
"""Why inspect exits 1 when the broker matches the file."""


def _row(row: QueueRow, statistics: bool) -> tuple[str, ...]:
    tasks = (", ".join(row.tasks) or "(tasks without a route)") if row.routed else "-"
    if not row.exists:
        cells = ("missing", "-", "-", "missing")
    else:
        age = f"{row.oldest_age:.0f}s" if row.oldest_age is not None else "-"
        cells = (_count(row.ready), _count(row.unacked), age, _consumed_by(row, statistics))
    shown = cells if statistics else (cells[0], cells[3])
    return (row.name, *shown, tasks)


def _count(value: int | None) -> str:
    return UNKNOWN if value is None else str(value)


def _consumed_by(row: QueueRow, statistics: bool) -> str:
    """The workers the management API lists; AMQP's live count where the list has not caught up."""
    names = [each.shown for each in row.workers]
    if not statistics:  # no listing: AMQP's count is all there is
        return _count(row.consumers) if row.consumers else "-"
    unlisted = (row.consumers or 0) - len(names)
    if unlisted > 0:
        names.append(f"{unlisted} not listed yet" if names else f"{counted(unlisted, 'consumer')}, not listed yet")
    return ", ".join(names) or "-"


def _print_cluster(report: InspectReport) -> None:
    """Where the file's queues live, on a broker of more than one node."""
    cluster = report.cluster
    if cluster is None or cluster.size < 2:
        return
    down = f"; down: {', '.join(cluster.down)}" if cluster.down else ""
    click.echo(f"cluster of {cluster.size} nodes, running: {', '.join(cluster.running)}{down}")
    rows = []
    for row in report.queues:
        placement = row.placement
        if placement is None or not row.declared:
            continue
        if placement.members:
            online = ", ".join(placement.online) or "none"
            rows.append((row.name, placement.type, str(placement.leader), ", ".join(placement.members), online))
        else:
            node = f"{placement.node} (down)" if cluster.unavailable(row.name) else str(placement.node)
            rows.append((row.name, placement.type, node, "-", "-"))
    print_columns(("QUEUE", "TYPE", "NODE/LEADER", "MEMBERS", "ONLINE"), rows)


def _summary(report: InspectReport) -> dict[str, int]:
    findings = report.findings
    kept = sum(1 for f in findings if f.code.group is Group.KEPT)
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    return {"drift": errors - kept, "kept": kept, "warnings": len(findings) - errors}


def body(result: Result[InspectReport]) -> Body:
    report = result.report
    data = {
        "transport": asdict(report.transport),
        "queues": [_queue_data(row) for row in report.queues if row.declared],
        "since_last_apply": report.since.data() if report.since else None,
        **versioned_data(report.rabbitmq, report.delivery_limits),
        "vhost_queues": [_vhost_queue_data(row) for row in report.queues if row.exists and report.statistics],
        "live_routes": [route_data(route) for route in report.routes],
        "kept": [{"net": k.net.value, "task": k.task, "count": k.count} for k in report.kept],
        "delayed": report.delayed,
    }
    return Body(summary=_summary(report), note=report.note, findings=report.findings, data=data)


def _queue_data(row: QueueRow) -> dict[str, Any]:
    """A queue of the file: its live counts (AMQP), the tasks routed to it, where it lives on a cluster."""
    return {
        "name": row.name,
        "exists": row.exists,
        "messages_ready": row.ready,
        "consumers": row.consumers,
        "routed": row.routed,
        "tasks": list(row.tasks),
        **_placement_data(row),
    }


def _placement_data(row: QueueRow) -> dict[str, Any]:
    placement = row.placement
    if placement is None:
        return {}
    if placement.members:
        return {"leader": placement.leader, "members": list(placement.members), "online": list(placement.online)}
    return {"node": placement.node}


def _vhost_queue_data(row: QueueRow) -> dict[str, Any]:
    """Any queue of the vhost: the same counts as the table's, and its consumers as workers."""
    return {
        "name": row.name,
        "messages_ready": row.ready,
        "messages_unacknowledged": row.unacked,
        "consumers": row.consumers,
        "oldest_message_age": row.oldest_age,
        "workers": [worker_data(each) for each in row.workers],
    }


INSPECT = Renderer("inspect", text, body)

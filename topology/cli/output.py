"""What the commands print: one text and one JSON form of each report (JSON for CI, text for people).

Rendering only: every figure printed is in the report it is given. The JSON of every command is one
envelope (`envelope.py`, checked against envelope.schema.json). Kept out of main.py so that the CLI can
start reading the broker before importing the plan, routing and model code this module needs.
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
from topology.cli.envelope import change_record, envelope, target_record
from topology.hints import counted
from topology.model import Problem, Severity, Topology
from topology.planning.drift import drift
from topology.planning.plan import Action, Change, Plan
from topology.routing import NOTHING_NAMED, Named, Sending, Source, TaskOptions, celery_sends, not_followed

if TYPE_CHECKING:
    from topology.celery_adapter.app import AppTasks
    from topology.checks.versions import Target
    from topology.commands.apply import ApplyReport
    from topology.commands.doctor import DoctorReport
    from topology.commands.inspect import InspectReport
    from topology.commands.validate import Checked
    from topology.planning.delivery_limits import DeliveryLimit
    from topology.planning.observed import ClusterState


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
    return f"task names checked against Celery app {tasks.app!r}: {counted(len(tasks.own), 'task')}"


def print_routes(checked: Checked, names: Sequence[str], call: Named, exit_code: int, fmt: str) -> None:
    """`names`: the tasks asked about, else every task the app (or the file) knows; `call`: what the call names
    (`--queue`, `--exchange`, `--routing-key`). The tasks' own options count when the app is known."""
    topology = checked.loaded.topology
    own = checked.tasks.options if checked.tasks is not None else {}
    rows = [_route_row(topology, name, call, own.get(name)) for name in names or checked.task_names]
    if fmt == "json":
        data = {"tasks": rows, "task_names": tasks_line(checked.tasks)}
        print_json(envelope("routes", exit_code, problems=checked.loaded.warnings, data=data))
        return
    print_problems(checked.loaded.warnings)
    dropped = click.style("DROPPED", fg="red", bold=True)
    refused = click.style("REFUSED", fg="red", bold=True)
    print_columns(
        ("TASK", "RULE (LINE)", "EXCHANGE", "ROUTING KEY", "QUEUES"),
        [
            (
                row["task"],
                row["rule"] if row["line"] is None else f"{row['rule']} ({row['line']})",
                "" if row["exchange"] is None else row["exchange"] or "(default)",
                row["routing_key"] or "",
                ", ".join(row["queues"]) or (refused if row["refused"] else dropped),
            )
            for row in rows
        ],
    )
    for row in rows:
        for note in filter(None, (row["refused"], row["not_followed"])):
            click.echo(f"{row['task']}: {note}")
    click.echo(tasks_line(checked.tasks))


def _route_row(topology: Topology, name: str, call: Named, own: TaskOptions | None) -> dict[str, Any]:
    """Where a call of `name` naming `call` lands (`own`: what the task names itself), and who decided:
    the call, the task's own options, a route (with its line), or the default queue."""
    sending = celery_sends(topology, name, call, own.named if own is not None else NOTHING_NAMED)
    keys = set(sending.chosen) if sending.refused is not None else sending.used  # refused: by what it names
    deciding = {sending.chosen[key] for key in keys if key in sending.chosen} or {Source.ROUTE}
    winner = min(deciding, key=list(Source).index)
    named = call if winner is Source.CALL else own.named if winner is Source.TASK and own else NOTHING_NAMED
    shown = Named(**{key: value for key, value in named.items() if key in keys}).shown
    origin = sending.route.origin if sending.route is not None else topology.default_queue_origin
    rules = {
        Source.CALL: f"call: {shown}",
        Source.TASK: f"task: {shown}" + (f" ({own.place})" if own and own.place else ""),
        Source.ROUTE: sending.route.pattern if sending.route is not None else "default_queue",
        Source.DEFAULT: "default_queue",
    }
    refused = sending.refused is not None
    return {
        "task": name,
        "rule": rules[winner],
        "line": origin.line if origin and winner in (Source.ROUTE, Source.DEFAULT) else None,
        "exchange": None if refused else sending.destination.exchange,
        "routing_key": None if refused else sending.destination.routing_key,
        "queues": list(sending.delivery.queues),
        "through": None if refused else sending.through.value,
        "decided_by": {key: source.value for key, source in sending.chosen.items()},
        "ignored": sending.ignored,
        "not_followed": not_followed(sending, named_here) if (named_here := _named_here(sending)) else None,
        "refused": sending.refused,
    }


def _named_here(sending: Sending) -> list[str]:
    """The options the call or the task names that Celery does not follow."""
    return [key for key in sending.ignored if sending.chosen[key] in (Source.CALL, Source.TASK)]


def print_plan(planned: Plan, settings: Settings, flags: Sequence[str], exit_code: int, fmt: str) -> None:
    """`flags`: the plan's own (--recreate, --prune, --force), which the `apply` it points to needs too."""
    if fmt == "json":
        records = [change_record(c) for c in planned.changes if c.action is not Action.UNCHANGED]
        print_json(
            envelope(
                "plan",
                exit_code,
                vhost=planned.vhost,
                broker=str(settings.broker),
                summary=planned.counts,
                note=planned.note,
                findings=drift(planned),
                changes=records,
                data={
                    "owner": planned.owner,
                    "since_last_apply": planned.since.data() if planned.since else None,
                    **versioned_data(planned.rabbitmq, planned.delivery_limits),
                },
            )
        )
        return
    implied = Counter(c.implied_by for c in planned.changes if c.implied_by and c.action is not Action.UNCHANGED)
    for change in planned.findings:
        bound = implied[change.ref]
        more = f" (and {bound} of its {'binding' if bound == 1 else 'bindings'})" if bound else ""
        detail = f"  {change.detail}" if change.detail else ""
        click.echo(f"{change.action.value:<9} {change.kind.value:<8} {change.ref.shown}{more}{detail}")
        if change.fix:
            click.echo(f"{'':<9} fix: {change.fix}")
    for caution in planned.cautions:
        click.echo(f"warning   {caution.code}: {caution.message}")
        click.echo(f"{'':<9} fix: {caution.fix}")
    click.echo(f"plan for vhost {settings.vhost!r} on {settings.broker} (owner {planned.owner!r}):")
    for action in Action:
        changes = planned.of(action)
        if changes:
            click.echo(f"  {action.value:<9} {len(changes):>6}  {_kinds(changes)}")
    print_versioned(planned.rabbitmq, planned.delivery_limits)
    if planned.note:
        click.echo(planned.note)
    if planned.since is not None:
        click.echo(planned.since.message)
    click.echo(plan_verdict(planned, flags))


def versioned_data(rabbitmq: Target | None, limits: Sequence[DeliveryLimit]) -> dict[str, Any]:
    """The version whose rules apply, and each quorum queue's delivery limit in effect (null: unlimited)."""
    shown = {limit.queue: {"limit": limit.limit, "from": limit.source.value} for limit in limits}
    return {"rabbitmq": target_record(rabbitmq), "delivery_limits": shown}


def print_versioned(rabbitmq: Target | None, limits: Sequence[DeliveryLimit]) -> None:
    if rabbitmq is not None:
        click.echo(f"rules of {rabbitmq.described}")
    if limits:
        click.echo("quorum delivery limits: " + ", ".join(limit.shown for limit in limits))


def plan_verdict(planned: Plan, flags: Sequence[str]) -> str:
    """The plan's last line: what stands in the way, or the command that carries it out."""
    apply = hints.apply_with(*flags)
    extra = planned.of(Action.EXTRA)
    if planned.conflicts:
        return f"{counted(len(planned.conflicts), 'conflict')}: `apply` changes nothing until they are fixed"
    if planned.pending:
        left = f" ({counted(len(extra), 'extra object')} left alone)" if extra else ""
        return f"{counted(len(planned.pending), 'change')} pending: run `{apply}`{left}"
    if extra:
        return (
            f"the broker differs: {counted(len(extra), 'extra object')} not in routing.yaml "
            "(each line above says what to do); `apply` would change nothing"
        )
    unavailable = planned.of(Action.UNAVAILABLE)
    if unavailable:
        return (
            f"{counted(len(unavailable), 'object')} on cluster nodes that are down (each line above says which): "
            "`apply` leaves them alone, they come back with their node"
        )
    return "nothing to do"


def _kinds(changes: tuple[Change, ...]) -> str:
    kinds = Counter(c.kind for c in changes)
    return ", ".join(counted(n, kind.value, kind.plural) for kind, n in kinds.items())


def print_apply(report: ApplyReport, settings: Settings, exit_code: int, fmt: str) -> None:
    statuses = Counter(step.status.value for step in report.steps)
    if fmt == "json":
        steps = {step.ref: step for step in report.steps}
        changes = [change_record(c, steps[c.ref]) for c in report.plan.changes if c.ref in steps]
        print_json(
            envelope(
                "apply",
                exit_code,
                vhost=settings.vhost,
                broker=str(settings.broker),
                summary=dict(statuses),
                note=report.note,
                findings=drift(report.plan) if not report.ok else (),
                changes=changes,
                data={"owner": report.plan.owner},
            )
        )
        return
    fixes = {c.ref: c.fix for c in report.plan.changes if c.fix}
    for step in report.steps:
        if step.status.value != "unchanged":
            detail = f"  {step.detail}" if step.detail else ""
            click.echo(f"{step.status.value:<9} {step.ref.kind.value:<8} {step.ref.shown}{detail}")
            if step.status.value in ("conflict", "extra") and fixes.get(step.ref):
                click.echo(f"{'':<9} fix: {fixes[step.ref]}")
    summary = ", ".join(f"{n} {status}" for status, n in statuses.items())
    verdict = "applied" if report.ok else "NOT applied"
    click.echo(f"{verdict} to vhost {settings.vhost!r} on {settings.broker}: {summary}")
    if report.note:
        click.echo(report.note)


def print_inspect(topology: Topology, report: InspectReport, settings: Settings, exit_code: int, fmt: str) -> None:
    from topology.cli import workers_output  # it imports this module's helpers

    transport = report.transport
    errors = sum(1 for f in report.findings if f.severity is Severity.ERROR)
    warnings = len(report.findings) - errors
    if fmt == "json":
        print_json(
            envelope(
                "inspect",
                exit_code,
                vhost=report.vhost,
                broker=str(settings.broker),
                summary={"drift": errors, "warnings": warnings},
                note=report.note,
                findings=report.findings,
                data={
                    "transport": asdict(transport),
                    "queues": _queue_rows(topology, report),
                    "since_last_apply": report.since.data() if report.since else None,
                    **versioned_data(report.rabbitmq, report.delivery_limits),
                    **workers_output.inspect_data(report),
                },
            )
        )
        return
    click.echo(f"vhost {report.vhost!r} on {settings.broker}, management API {settings.management}")
    click.echo(f"Celery transport: {transport.module} ({transport.reason})")
    print_columns(
        ("QUEUE", "READY", "CONSUMERS", "ROUTED TASKS"), [_queue_line(row) for row in _queue_rows(topology, report)]
    )
    workers_output.print_inspect_traffic(report)
    _print_cluster(topology, report.live.cluster)
    for f in report.findings:
        click.echo(f"{f.severity.value:<7} {f.code:<17} {f.message}")
        if f.fix:
            click.echo(f"{'':<25} fix: {f.fix}")
    print_versioned(report.rabbitmq, report.delivery_limits)
    if report.note:
        click.echo(report.note)
    if report.since is not None:
        click.echo(report.since.message)
    state = "in sync" if exit_code == 0 else "NOT in sync"
    click.echo(f"{state}: {counted(errors, 'drift finding')}, {counted(warnings, 'warning')}")


def _print_cluster(topology: Topology, cluster: ClusterState | None) -> None:
    """Where the file's queues live, on a broker of more than one node."""
    if cluster is None or cluster.size < 2:
        return
    down = f"; down: {', '.join(cluster.down)}" if cluster.down else ""
    click.echo(f"cluster of {cluster.size} nodes, running: {', '.join(cluster.running)}{down}")
    rows = []
    for queue in topology.queues:
        placement = cluster.placements.get(queue.name)
        if placement is None:
            continue
        if placement.members:
            online = ", ".join(placement.online) or "none"
            rows.append((queue.name, placement.type, str(placement.leader), ", ".join(placement.members), online))
        else:
            node = f"{placement.node} (down)" if cluster.unavailable(queue.name) else str(placement.node)
            rows.append((queue.name, placement.type, node, "-", "-"))
    print_columns(("QUEUE", "TYPE", "NODE/LEADER", "MEMBERS", "ONLINE"), rows)


def _queue_line(row: dict[str, Any]) -> tuple[str, ...]:
    tasks = (", ".join(row["tasks"]) or "(tasks without a route)") if row["routed"] else "-"
    if not row["exists"]:
        return (row["name"], "missing", "missing", tasks)
    unknown = "?"  # on a cluster node that is down: it cannot be asked
    ready, consumers = (unknown if n is None else str(n) for n in (row["messages_ready"], row["consumers"]))
    return (row["name"], ready, consumers, tasks)


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
                "routed": queue.name in report.routed,
                "tasks": report.routed.get(queue.name, []),
                **_placement_row(report.live.cluster, queue.name),
            }
        )
    return rows


def _placement_row(cluster: ClusterState | None, name: str) -> dict[str, Any]:
    placement = cluster.placements.get(name) if cluster is not None else None
    if placement is None:
        return {}
    if placement.members:
        return {"leader": placement.leader, "members": list(placement.members), "online": list(placement.online)}
    return {"node": placement.node}


def print_validated(checked: Checked, exit_code: int, fmt: str) -> None:
    topology = checked.loaded.topology
    summary = {
        "exchanges": len(topology.exchanges),
        "queues": len(topology.queues),
        "bindings": len(topology.all_bindings()),
        "routes": len(topology.routes),
        "schedule_entries": len(topology.schedule),
        "warnings": len(checked.loaded.warnings),
    }
    target = checked.loaded.target
    if fmt == "json":
        data = {"file": str(checked.path), "task_names": tasks_line(checked.tasks), "rabbitmq": target_record(target)}
        print_json(envelope("validate", exit_code, summary=summary, problems=checked.loaded.warnings, data=data))
        return
    print_problems(checked.loaded.warnings)
    names = (
        ("exchange", "exchanges"),
        ("queue", "queues"),
        ("binding", "bindings"),
        ("route", "routes"),
        ("schedule entry", "schedule entries"),
        ("warning", "warnings"),
    )
    shown = (counted(n, one, many) for n, (one, many) in zip(summary.values(), names, strict=True))
    click.echo(f"{checked.path}: ok: " + ", ".join(shown))
    if target is not None:
        click.echo(f"checked against {target.described}")
    click.echo(tasks_line(checked.tasks))


def print_doctor(report: DoctorReport, exit_code: int, fmt: str) -> None:
    settings, transport = report.settings, report.transport
    nodes = [
        {
            "name": n.name,
            "file_descriptors": n.file_descriptors,
            "running": n.running,
            "alarms": list(n.alarms),
            "partitions": list(n.partitions),
        }
        for n in report.nodes or ()
    ]
    critical = list(report.quorum_critical) if report.quorum_critical is not None else None
    if fmt == "json":
        data = {
            "python": sys.version.split()[0],
            "transport": asdict(transport),
            "management": str(settings.management),
            "broker_list": [str(node) for node in settings.nodes],  # the failover list, in order
            "passed_over": list(settings.passed_over),  # why each node before the one used was not
            "nodes_visible": report.nodes is not None,  # the user's tags let it see the nodes
            "nodes": nodes,
            "quorum_critical": critical,  # null: not asked (the user's tags)
        }
        summary = {"exchanges": report.exchanges, "queues": report.queues}
        print_json(
            envelope("doctor", exit_code, vhost=settings.vhost, broker=str(settings.broker), summary=summary, data=data)
        )
        return
    click.echo(f"Python {sys.version.split()[0]}; Celery transport: {transport.module}")
    click.echo(f"  {transport.reason}")
    click.echo(f"AMQP: connected to {settings.broker}, vhost {settings.vhost!r}")
    if len(settings.nodes) > 1:
        used = settings.nodes.index(settings.broker) + 1
        click.echo(f"  node {used} of the {len(settings.nodes)} in the broker URL list, the first that answered")
    for reason in settings.passed_over:
        click.echo(f"  passed over: {reason}")
    click.echo(
        f"management API: {settings.management} answers ({counted(report.exchanges, 'exchange')}, "
        f"{counted(report.queues, 'queue')} in the vhost)"
    )
    if report.nodes is None:
        user = settings.management.username
        click.echo(f"  file descriptor limits not shown: user {user!r} lacks the monitoring tag")
    for node in report.nodes or ():
        click.echo(f"  {hints.file_limit(node.name, node.file_descriptors)}")
    for line in _cluster_health(report):
        click.echo(line)


def _cluster_health(report: DoctorReport) -> list[str]:
    """The cluster's health, when the user may see the nodes: each problem on its line, with its fix."""
    nodes = report.nodes or ()
    if not nodes:
        return []
    running = [n.name for n in nodes if n.running]
    lines = [f"cluster: {len(running)} of {counted(len(nodes), 'node')} running"]
    for node in nodes:
        if not node.running:
            lines += [f"  node {node.name} is down", f"    fix: {hints.node_down(node.name)}"]
        if node.alarms:
            alarms = ", ".join(node.alarms)
            lines += [f"  node {node.name}: {alarms} alarm: publishers are blocked", f"    fix: {hints.ALARM}"]
        if node.partitions:
            seen = ", ".join(node.partitions)
            lines += [f"  node {node.name} is partitioned from {seen}", f"    fix: {hints.PARTITION}"]
    if report.quorum_critical:
        queues = ", ".join(report.quorum_critical)
        lines += [
            f"  quorum-critical (they lose their majority if the answering node stops): {queues}",
            f"    fix: {hints.QUORUM_CRITICAL}",
        ]
    elif report.quorum_critical is not None:
        lines.append("  no quorum queue depends on the answering node for its majority")
    return lines

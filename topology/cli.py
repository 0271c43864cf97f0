"""`python -m topology validate | routes | schema | plan | apply | inspect | doctor`.

Exit codes, for every command: 0 ok / in sync, 1 drift or conflict, 2 invalid input or usage,
3 broker unreachable or refused. Errors are one line each on stderr, never with a password.

pika, kombu, pydantic and rich are imported by the commands that need them, after the read of the live
state has started: `plan` of a 10,000-object vhost should take well under a second, start-up included.
"""

from __future__ import annotations

import gc
import json
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import asdict
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import click

from topology.celery_app import AppTasks, app_tasks
from topology.errors import TopologyError
from topology.live import LiveState
from topology.loader import Loaded, load, load_topology, topology_path
from topology.management import ManagementClient
from topology.model import Problem, Severity, Topology
from topology.plan import Action, Change, Plan, PlanOptions
from topology.routing import deliver, known_task_names, route_destination, route_for, task_message, tasks_by_queue
from topology.settings import Settings, resolve_settings

if TYPE_CHECKING:
    from rich.table import Table

    from topology.apply import ApplyReport, ProgressFactory
    from topology.inspect import InspectReport

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(command: F) -> F:
    """Turn TopologyError into its message on stderr and its exit code; anything else is a bug and shows."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except TopologyError as error:
            click.echo(str(error), err=True)
            sys.exit(error.exit_code)

    return run  # type: ignore[return-value]


COMMON_OPTIONS = (
    click.option("-f", "--file", "file", help="Topology file (default: $TOPOLOGY_FILE, else ./routing.yaml)."),
    click.option("--broker", help="AMQP URL (default: $CELERY_BROKER_URL, else amqp://guest:guest@localhost:5672//)."),
    click.option(
        "--management-url", help="Management API (default: $RABBITMQ_MANAGEMENT_URL, else http://<broker host>:15672)."
    ),
)


def common_options(command: F) -> F:
    """-f/--broker/--management-url, accepted before the command name or after it (the latter wins)."""
    for option in reversed(COMMON_OPTIONS):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@common_options
@click.pass_context
def main(ctx: click.Context, file: str | None, broker: str | None, management_url: str | None) -> None:
    """Declare, apply and check the Celery routing topology of a RabbitMQ vhost."""
    # A run is short and builds ~10^5 objects that live to its end: cyclic collection would only
    # re-scan them (a third of the time of planning 10,000 objects).
    gc.disable()
    ctx.obj = {"file": file, "broker": broker, "management_url": management_url}


def _options(ctx: click.Context, /, **given: str | None) -> dict[str, str | None]:
    return {name: given.get(name) or value for name, value in ctx.obj.items()}


def _topology(ctx: click.Context, /, **given: str | None) -> Topology:
    return load_topology(_options(ctx, **given)["file"])


def _settings(ctx: click.Context, /, **given: str | None) -> Settings:
    options = _options(ctx, **given)
    return resolve_settings(options["broker"], options["management_url"])


FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


APP = click.option(
    "-A", "--app", help="Celery app to check task names against (as for `celery -A`; default: `app:` in the file)."
)


def _checked(ctx: click.Context, app: str | None, **given: str | None) -> tuple[Loaded, AppTasks | None]:
    """The file checked, then checked again with the Celery app's task names when the app imports."""
    path = topology_path(_options(ctx, **given)["file"])
    loaded = load(path)
    app = app or loaded.topology.app
    if app is None:
        return loaded, None
    tasks = app_tasks(app, path)
    if tasks.error is not None:
        return loaded, tasks
    return load(path, registered=tasks.names), tasks


def _print_problems(problems: tuple[Problem, ...]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


@main.command()
@common_options
@APP
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings.")
@click.pass_context
@reports_errors
def validate(ctx: click.Context, /, app: str | None, strict: bool, **given: str | None) -> None:
    """Check routing.yaml: structure, references, RabbitMQ's rules, routes proven, task names."""
    path = topology_path(_options(ctx, **given)["file"])  # before the app import sets $TOPOLOGY_FILE
    loaded, tasks = _checked(ctx, app, **given)
    _print_problems(loaded.warnings)
    topology = loaded.topology
    bindings = len(topology.all_bindings())
    click.echo(
        f"{path}: ok: {len(topology.exchanges)} exchanges, "
        f"{len(topology.queues)} queues, {bindings} bindings, {len(topology.routes)} routes, "
        f"{len(topology.schedule)} schedule entries, {len(loaded.warnings)} warnings"
    )
    click.echo(_tasks_line(tasks))
    sys.exit(1 if strict and loaded.warnings else 0)


def _tasks_line(tasks: AppTasks | None) -> str:
    if tasks is None:
        return "task names not checked: no Celery app given (`app:` in the file, or --app)"
    if tasks.error is not None:
        return f"task names not checked: cannot import Celery app {tasks.app!r}: {tasks.error}"
    return f"task names checked against Celery app {tasks.app!r}: {len(tasks.own)} tasks"


@main.command()
@common_options
@APP
@FORMAT
@click.pass_context
@reports_errors
def routes(ctx: click.Context, /, app: str | None, fmt: str, **given: str | None) -> None:
    """Show where each task goes: the rule that picks it, the exchange and key, the queues it lands in."""
    loaded, tasks = _checked(ctx, app, **given)
    topology = loaded.topology
    from rich.table import Table

    names = tasks.own if tasks is not None and tasks.error is None else known_task_names(topology)
    rows = [_route_row(topology, name) for name in names]
    if fmt == "json":
        _print_json({"tasks": rows, "note": _tasks_line(tasks)})
        return
    table = Table("task", "rule (line)", "exchange", "routing key", "queues")
    for row in rows:
        queues = ", ".join(row["queues"]) or "[bold red]DROPPED[/]"
        table.add_row(
            row["task"], f"{row['rule']} ({row['line']})", row["exchange"] or "(default)", row["routing_key"], queues
        )
    _print_table(table)
    click.echo(_tasks_line(tasks))


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


@main.command()
def schema() -> None:
    """Print the JSON Schema of routing.yaml (for yaml-language-server and other editors)."""
    from topology.document import json_schema

    click.echo(json.dumps(json_schema(), indent=2))


def _plan_options(command: F) -> F:
    options = (
        click.option(
            "--recreate", is_flag=True, help="Delete and re-declare a conflicting queue, only if empty and unconsumed."
        ),
        click.option("--prune", is_flag=True, help="Delete objects not in the file that `apply` made (same owner)."),
        click.option("--force", is_flag=True, help="With --prune: delete such queues even if they hold messages."),
    )
    for option in reversed(options):
        command = option(command)
    return command


def _prefetched_state(
    ctx: click.Context, given: dict[str, str | None]
) -> tuple[Topology, Settings, ManagementClient, Future[LiveState]]:
    """Topology, settings, a management client and the vhost's state, read while the file loads.

    The state is read in a thread: on a 10,000-object vhost both take a few hundred milliseconds."""
    settings = _settings(ctx, **given)
    management = ManagementClient(settings.management)
    state: Future[LiveState] = Future()

    def read() -> None:
        try:
            state.set_result(management.state(settings.vhost))
        except BaseException as error:  # handed to whoever waits for the state
            state.set_exception(error)

    threading.Thread(target=read, daemon=True).start()  # daemon: an invalid file exits without waiting
    return _topology(ctx, **given), settings, management, state


@main.command()
@common_options
@FORMAT
@_plan_options
@click.pass_context
@reports_errors
def plan(ctx: click.Context, /, fmt: str, recreate: bool, prune: bool, force: bool, **given: str | None) -> None:
    """Show what `apply` would do; exit 0 when nothing is to be done, 1 when changes or conflicts are pending."""
    topology, settings, management, state = _prefetched_state(ctx, given)
    from topology.apply import read_plan

    with management:
        planned = read_plan(topology, settings, management, PlanOptions(recreate, prune, force), state.result())
    if fmt == "json":
        _print_json(_plan_data(planned))
    else:
        _print_plan(planned, settings)
    sys.exit(1 if planned.pending or planned.conflicts else 0)


def _plan_data(planned: Plan) -> dict[str, Any]:
    shown = [c for c in planned.changes if c.action is not Action.UNCHANGED]
    return {
        "vhost": planned.vhost,
        "owner": planned.owner,
        "counts": planned.counts,
        "pending": len(planned.pending),
        "conflicts": len(planned.conflicts),
        "changes": [
            {
                "action": c.action.value,
                "kind": c.kind,
                "name": c.name,
                "detail": c.detail,
                "implied_by": c.implied_by,
            }
            for c in shown
        ],
    }


_PLURALS = {"exchange": "exchanges", "queue": "queues", "binding": "bindings", "policy": "policies"}


def _kinds(changes: tuple[Change, ...]) -> str:
    counted = Counter(c.kind for c in changes)
    return ", ".join(f"{n} {kind if n == 1 else _PLURALS[kind]}" for kind, n in counted.items())


def _print_plan(planned: Plan, settings: Settings) -> None:
    implied = Counter(c.implied_by for c in planned.changes if c.implied_by and c.action is not Action.UNCHANGED)
    for change in planned.findings:
        more = f" (and {implied[change.subject]} of its bindings)" if implied[change.subject] else ""
        detail = f"  {change.detail}" if change.detail else ""
        click.echo(f"{change.action.value:<9} {change.kind:<8} {change.name}{more}{detail}")
    click.echo(f"plan for vhost {settings.vhost!r} on {settings.broker} (owner {planned.owner!r}):")
    for action in Action:
        changes = planned.of(action)
        if changes:
            click.echo(f"  {action.value:<9} {len(changes):>6}  {_kinds(changes)}")
    if planned.conflicts:
        click.echo(f"{len(planned.conflicts)} conflicts: `apply` changes nothing until they are fixed")
    elif planned.pending:
        click.echo(f"{len(planned.pending)} changes pending: run `python -m topology apply`")
    else:
        click.echo("nothing to do")


@main.command()
@common_options
@FORMAT
@_plan_options
@click.pass_context
@reports_errors
def apply(ctx: click.Context, /, fmt: str, recreate: bool, prune: bool, force: bool, **given: str | None) -> None:
    """Declare exchanges, queues, bindings and policies; change nothing if any existing object conflicts."""
    topology, settings, management, state = _prefetched_state(ctx, given)
    from topology.apply import apply_topology

    with management, _progress_bar() as progress:
        options = PlanOptions(recreate, prune, force)
        report = apply_topology(topology, settings, management, options, progress, state.result())
    if fmt == "json":
        data = {"vhost": settings.vhost, "ok": report.ok, "note": report.note, "counts": report.plan.counts}
        _print_json(data | {"steps": _data(report.steps)})
    else:
        _print_apply(report, settings)
    sys.exit(0 if report.ok else 1)


@contextmanager
def _progress_bar() -> Iterator[ProgressFactory | None]:
    """A progress bar on stderr when it is a terminal: large applies send thousands of operations."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:

        def start(total: int) -> Callable[[int], None]:
            task = bar.add_task("applying", total=total)
            return lambda done: bar.advance(task, done)

        yield start


def _print_apply(report: ApplyReport, settings: Settings) -> None:
    for step in report.steps:
        if step.status != Action.UNCHANGED.value:
            detail = f"  {step.detail}" if step.detail else ""
            click.echo(f"{step.status:<9} {step.kind:<8} {step.name}{detail}")
    counts = Counter(step.status for step in report.steps)
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    verdict = "applied" if report.ok else "NOT applied"
    click.echo(f"{verdict} to vhost {settings.vhost!r} on {settings.broker}: {summary}")
    if report.note:
        click.echo(report.note)


@main.command()
@common_options
@FORMAT
@click.option("--require-consumers", is_flag=True, help="Also exit 1 when a routed queue has no consumer.")
@click.pass_context
@reports_errors
def inspect(ctx: click.Context, /, fmt: str, require_consumers: bool, **given: str | None) -> None:
    """Compare the live vhost with routing.yaml: drift, consumers, ready messages."""
    topology, settings, management, state = _prefetched_state(ctx, given)
    from topology.inspect import inspect_topology

    with management:
        report = inspect_topology(topology, settings, management, state.result())
    in_sync = report.in_sync(require_consumers=require_consumers)
    if fmt == "json":
        _print_json(_inspect_data(topology, report, settings, in_sync))
    else:
        _print_inspect(topology, report, settings, in_sync)
    sys.exit(0 if in_sync else 1)


def _queue_rows(topology: Topology, report: InspectReport) -> list[dict[str, Any]]:
    routed = tasks_by_queue(topology)
    rows = []
    for queue in topology.queues:
        live = report.live.queues.get(queue.name)
        rows.append(
            {
                "name": queue.name,
                "exists": live is not None,
                "messages_ready": live.messages_ready if live else None,
                "consumers": live.consumers if live else None,
                "routed": routed.get(queue.name),
            }
        )
    return rows


def _inspect_data(topology: Topology, report: InspectReport, settings: Settings, in_sync: bool) -> dict[str, Any]:
    from topology.transport import celery_transport

    return {
        "vhost": report.vhost,
        "broker": str(settings.broker),
        "transport": asdict(celery_transport(settings)),
        "in_sync": in_sync,
        "findings": _data(report.findings),
        "queues": _queue_rows(topology, report),
    }


def _print_inspect(topology: Topology, report: InspectReport, settings: Settings, in_sync: bool) -> None:
    from rich.table import Table

    from topology.transport import celery_transport

    transport = celery_transport(settings)
    click.echo(f"vhost {report.vhost!r} on {settings.broker}, management API {settings.management}")
    click.echo(f"Celery transport: {transport.module} ({transport.reason})")
    table = Table("queue", "ready", "consumers", "routed tasks")
    for row in _queue_rows(topology, report):
        missing = "missing"
        routed = row["routed"]
        table.add_row(
            row["name"],
            missing if not row["exists"] else str(row["messages_ready"]),
            missing if not row["exists"] else str(row["consumers"]),
            "-" if routed is None else (", ".join(routed) or "(tasks without a route)"),
        )
    _print_table(table)
    for finding in report.findings:
        click.echo(f"{finding.severity.value:<7} {finding.code:<17} {finding.message}")
    errors = sum(1 for f in report.findings if f.severity is Severity.ERROR)
    warnings = len(report.findings) - errors
    state = "in sync" if in_sync else "NOT in sync"
    click.echo(f"{state}: {errors} drift findings, {warnings} warnings")


@main.command()
@common_options
@click.pass_context
@reports_errors
def doctor(ctx: click.Context, /, **given: str | None) -> None:
    """Say which AMQP client Celery will use and whether the broker and management API answer."""
    from topology.amqp import check_connection
    from topology.transport import celery_transport

    settings = _settings(ctx, **given)
    transport = celery_transport(settings)
    click.echo(f"Python {sys.version.split()[0]}; Celery transport: {transport.module}")
    click.echo(f"  {transport.reason}")
    check_connection(settings)
    click.echo(f"AMQP: connected to {settings.broker}, vhost {settings.vhost!r}")
    with ManagementClient(settings.management) as management:
        state = management.state(settings.vhost)
        click.echo(
            f"management API: {settings.management} answers ({len(state.exchanges)} exchanges, "
            f"{len(state.queues)} queues in the vhost)"
        )


def _data(items: tuple[Any, ...]) -> list[dict[str, Any]]:
    return [asdict(item) for item in items]


def _print_json(data: dict[str, Any]) -> None:
    """Plain json.dumps: rich's highlighted JSON takes seconds (and 70 MB) for 3,000 findings."""
    click.echo(json.dumps(data, indent=2, default=lambda value: getattr(value, "value", str(value))))


def _print_table(table: Table) -> None:
    from rich.console import Console  # only the tables need rich: 20 ms of imports the other commands skip

    Console(highlight=False, soft_wrap=True).print(table)

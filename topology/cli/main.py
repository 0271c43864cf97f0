"""`python -m topology validate | routes | schema | plan | apply | inspect | doctor`.

Exit codes, for every command: 0 ok / in sync, 1 drift or conflict, 2 invalid input or usage,
3 broker unreachable or refused. Errors are one line each on stderr, never with a password.

Only what reading the broker needs is imported up front: `plan`, `apply` and `inspect` start reading
the vhost first thing, then import the loader, planner, pika and the printing (output.py) while the
broker answers. A 10,000-object vhost is planned in under half a second, start-up included.
"""

from __future__ import annotations

import atexit
import gc
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import click

from topology.broker.management import ManagementClient
from topology.broker.settings import Settings, resolve_settings
from topology.errors import TopologyError

if TYPE_CHECKING:
    from pathlib import Path

    from topology.celery_adapter.app import AppTasks
    from topology.commands.apply import ProgressFactory
    from topology.language.loader import Loaded
    from topology.model import Topology
    from topology.planning.observed import LiveState

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


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
    # re-scan them (a third of the time of planning 10,000 objects), and so would the collection the
    # interpreter makes as it exits (20 ms) unless they are frozen first.
    gc.disable()
    atexit.register(gc.freeze)
    ctx.obj = {"file": file, "broker": broker, "management_url": management_url}


def _options(ctx: click.Context, /, **given: str | None) -> dict[str, str | None]:
    return {name: given.get(name) or value for name, value in ctx.obj.items()}


def _topology(ctx: click.Context, /, **given: str | None) -> Topology:
    from topology.language.loader import load_topology

    return load_topology(_options(ctx, **given)["file"])


def _settings(ctx: click.Context, /, **given: str | None) -> Settings:
    options = _options(ctx, **given)
    return resolve_settings(options["broker"], options["management_url"])


FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


APP = click.option(
    "-A", "--app", help="Celery app to check task names against (as for `celery -A`; default: `app:` in the file)."
)


def _checked(ctx: click.Context, app: str | None, **given: str | None) -> tuple[Path, Loaded, AppTasks | None]:
    """The file's path, the file checked, then checked again with the Celery app's task names when the
    app imports (the path first: importing the app sets $TOPOLOGY_FILE)."""
    from topology.celery_adapter.app import app_tasks
    from topology.language.loader import load, topology_path

    path = topology_path(_options(ctx, **given)["file"])
    loaded = load(path)
    app = app or loaded.topology.app
    if app is None:
        return path, loaded, None
    tasks = app_tasks(app, path)
    if tasks.error is not None:
        return path, loaded, tasks
    return path, load(path, registered=tasks.names), tasks


@main.command()
@common_options
@APP
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings.")
@click.pass_context
@reports_errors
def validate(ctx: click.Context, /, app: str | None, strict: bool, **given: str | None) -> None:
    """Check routing.yaml: structure, references, RabbitMQ's rules, routes proven, task names."""
    from topology.cli import output

    path, loaded, tasks = _checked(ctx, app, **given)
    output.print_problems(loaded.warnings)
    topology = loaded.topology
    bindings = len(topology.all_bindings())
    click.echo(
        f"{path}: ok: {len(topology.exchanges)} exchanges, "
        f"{len(topology.queues)} queues, {bindings} bindings, {len(topology.routes)} routes, "
        f"{len(topology.schedule)} schedule entries, {len(loaded.warnings)} warnings"
    )
    click.echo(output.tasks_line(tasks))
    sys.exit(1 if strict and loaded.warnings else 0)


@main.command()
@common_options
@APP
@FORMAT
@click.pass_context
@reports_errors
def routes(ctx: click.Context, /, app: str | None, fmt: str, **given: str | None) -> None:
    """Show where each task goes: the rule that picks it, the exchange and key, the queues it lands in."""
    from topology.cli import output
    from topology.routing import known_task_names

    _, loaded, tasks = _checked(ctx, app, **given)
    topology = loaded.topology
    names = tasks.own if tasks is not None and tasks.error is None else known_task_names(topology)
    output.print_routes(topology, names, tasks, fmt)


@main.command()
def schema() -> None:
    """Print the JSON Schema of routing.yaml (for yaml-language-server and other editors)."""
    import json

    from topology.language.document import json_schema

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
    """Topology, settings, a management client and the vhost's state, read while the file loads
    (on a 10,000-object vhost both take a few hundred milliseconds)."""
    settings = _settings(ctx, **given)
    management = ManagementClient(settings.management)
    reading = _in_background(lambda: management.state(settings.vhost))
    return _topology(ctx, **given), settings, management, reading


def _in_background(work: Callable[[], T]) -> Future[T]:
    """`work` started on a thread; its result, or what it raised, for whoever waits on the future."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(work())
        except BaseException as error:
            future.set_exception(error)

    threading.Thread(target=run, daemon=True).start()  # daemon: an invalid file exits without waiting
    return future


@main.command()
@common_options
@FORMAT
@_plan_options
@click.pass_context
@reports_errors
def plan(ctx: click.Context, /, fmt: str, recreate: bool, prune: bool, force: bool, **given: str | None) -> None:
    """Show what `apply` would do; exit 0 when nothing is to be done, 1 when changes or conflicts are pending."""
    topology, settings, management, reading = _prefetched_state(ctx, given)
    from topology.cli import output
    from topology.commands.apply import read_plan
    from topology.planning.plan import PlanOptions

    planned = read_plan(topology, settings, management, PlanOptions(recreate, prune, force), reading)
    output.print_plan(planned, settings, fmt)
    sys.exit(1 if planned.pending or planned.conflicts else 0)


@main.command()
@common_options
@FORMAT
@_plan_options
@click.pass_context
@reports_errors
def apply(ctx: click.Context, /, fmt: str, recreate: bool, prune: bool, force: bool, **given: str | None) -> None:
    """Declare exchanges, queues, bindings and policies; change nothing if any existing object conflicts."""
    topology, settings, management, reading = _prefetched_state(ctx, given)
    from topology.cli import output
    from topology.commands.apply import apply_topology
    from topology.planning.plan import PlanOptions

    with _progress_bar() as progress:
        options = PlanOptions(recreate, prune, force)
        report = apply_topology(topology, settings, management, options, progress, reading)
    output.print_apply(report, settings, fmt)
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


@main.command()
@common_options
@FORMAT
@click.option("--require-consumers", is_flag=True, help="Also exit 1 when a routed queue has no consumer.")
@click.pass_context
@reports_errors
def inspect(ctx: click.Context, /, fmt: str, require_consumers: bool, **given: str | None) -> None:
    """Compare the live vhost with routing.yaml: drift, consumers, ready messages."""
    topology, settings, management, reading = _prefetched_state(ctx, given)
    from topology.cli import output
    from topology.commands.inspect import inspect_topology

    report = inspect_topology(topology, settings, management, reading)
    in_sync = report.in_sync(require_consumers=require_consumers)
    output.print_inspect(topology, report, settings, in_sync, fmt)
    sys.exit(0 if in_sync else 1)


@main.command()
@common_options
@click.pass_context
@reports_errors
def doctor(ctx: click.Context, /, **given: str | None) -> None:
    """Say which AMQP client Celery will use and whether the broker and management API answer."""
    from topology.broker.amqp import check_connection
    from topology.celery_adapter.transport import celery_transport

    settings = _settings(ctx, **given)
    transport = celery_transport(settings)
    click.echo(f"Python {sys.version.split()[0]}; Celery transport: {transport.module}")
    click.echo(f"  {transport.reason}")
    check_connection(settings)
    click.echo(f"AMQP: connected to {settings.broker}, vhost {settings.vhost!r}")
    management = ManagementClient(settings.management)
    state = management.state(settings.vhost)
    click.echo(
        f"management API: {settings.management} answers ({len(state.exchanges)} exchanges, "
        f"{len(state.queues)} queues in the vhost)"
    )
    nodes = management.nodes()
    if nodes is None:
        user = settings.management.username
        click.echo(f"  file descriptor limits not shown: user {user!r} lacks the monitoring tag")
    for node in nodes or []:
        click.echo(f"  {node.advice()}")

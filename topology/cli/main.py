"""`python -m topology validate | routes | schema | plan | apply | inspect | doctor | dead-letters | replay`.

Exit codes, for every command: 0 ok / in sync, 1 drift or conflict, 2 invalid input or usage,
3 broker unreachable or refused. Errors are one line each on stderr, never with a password; they are
turned into their exit code in one place (`_Commands.invoke`), and each command returns its own.

Only what reading the broker needs is imported up front: `plan`, `apply` and `inspect` start the vhost
session first thing (its read goes out at once), then import the loader, planner, pika and the printing
(output.py) while the broker answers.
"""

from __future__ import annotations

import atexit
import gc
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

from topology.broker.failover import has_choice, needs_check, reach
from topology.broker.session import VhostSession
from topology.broker.settings import Settings, resolve_settings
from topology.errors import BrokerUnavailable, TopologyError

if TYPE_CHECKING:
    from topology.commands.apply import ProgressFactory
    from topology.model import Topology
    from topology.planning.history import Source
    from topology.planning.kept import Net

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Options:
    """-f, --broker and --management-url, given before the command name, after it, or both (after wins)."""

    file: str | None = None
    broker: str | None = None
    management_url: str | None = None

    def over(self, file: str | None, broker: str | None, management_url: str | None) -> Options:
        return Options(file or self.file, broker or self.broker, management_url or self.management_url)

    def settings(self) -> Settings:
        """The settings on the nodes to use (`broker.failover`): for the commands that talk to the broker."""
        return reach(self.parsed())

    def parsed(self) -> Settings:
        return resolve_settings(self.broker, self.management_url)

    def topology(self, *, versioned: bool = True) -> Topology:
        """The file, checked; `versioned=False`: RabbitMQ's rules left for the broker's version (plan, apply)."""
        from topology.language.loader import load

        return load(self.file, versioned=versioned).topology


JSON_OUTPUT = "topology.json_output"
"""ctx.meta key: the name of the command whose `--format json` was given (its errors are JSON too)."""
COMMAND_LINE = "topology.command_line"
"""ctx.meta key: the arguments as given, for the usage errors click finds before `--format` is read."""


class _Commands(click.Group):
    """The command group: a TopologyError anywhere becomes its message on stderr and its exit code (with
    `--format json`, also the envelope on stdout, its problems listed); anything else is a bug and shows its
    traceback."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[COMMAND_LINE] = tuple(args)
        with _usage_envelope(ctx):
            return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with _usage_envelope(ctx):
                return super().invoke(ctx)
        except TopologyError as error:
            click.echo(str(error), err=True)
            command = ctx.meta.get(JSON_OUTPUT)
            if command is not None:
                _print_error_envelope(command, error)
            ctx.exit(error.exit_code)


@contextmanager
def _usage_envelope(ctx: click.Context) -> Iterator[None]:
    """click's own usage errors (an unknown option, a missing argument, a bad choice) as the envelope on
    stdout too, when `--format json` is on the command line; click then prints its text and exits 2."""
    try:
        yield
    except click.UsageError as error:
        if _json_asked(ctx.meta.get(COMMAND_LINE, ())):
            from topology.cli.envelope import envelope, error_problem
            from topology.cli.output import print_json

            failed = error.ctx.command if error.ctx is not None else None
            # a missing option value names no context: the command is the one the group was starting
            command = failed.name if failed is not None and failed is not ctx.command else ctx.invoked_subcommand
            print_json(envelope(command, error.exit_code, problems=[error_problem(error.format_message())]))
        raise


def _json_asked(args: Sequence[str]) -> bool:
    """`--format json` or `--format=json` among the arguments, wherever given."""
    pairs = zip(args, (*args[1:], ""), strict=True)
    return "--format=json" in args or any(arg == "--format" and after == "json" for arg, after in pairs)


def _print_error_envelope(command: str, error: TopologyError) -> None:
    from topology.cli.envelope import envelope, error_problem
    from topology.cli.output import print_json
    from topology.errors import InvalidTopology

    problems = error.problems if isinstance(error, InvalidTopology) else [error_problem(str(error))]
    print_json(envelope(command, error.exit_code, problems=problems))


COMMON_OPTIONS = (
    click.option("-f", "--file", "file", help="Topology file (default: $TOPOLOGY_FILE, else ./routing.yaml)."),
    click.option("--broker", help="AMQP URL (default: $CELERY_BROKER_URL, else amqp://guest:guest@localhost:5672//)."),
    click.option(
        "--management-url", help="Management API (default: $RABBITMQ_MANAGEMENT_URL, else http://<broker host>:15672)."
    ),
)


def common_options(command: F) -> F:
    for option in reversed(COMMON_OPTIONS):
        command = option(command)
    return command


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="celery-topology", prog_name="topology", message="%(prog)s %(version)s")
@common_options
@click.pass_context
def main(ctx: click.Context, file: str | None, broker: str | None, management_url: str | None) -> None:
    """Declare, apply and check the Celery routing topology of a RabbitMQ vhost."""
    # A run is short and builds ~10^5 objects that live to its end: cyclic collection would only
    # re-scan them, and so would the collection the interpreter makes as it exits unless they are
    # frozen first.
    gc.disable()
    atexit.register(gc.freeze)
    ctx.obj = Options(file, broker, management_url)


@main.result_callback()
@click.pass_context
def _exit(ctx: click.Context, code: int | None, /, **_: Any) -> None:
    """Every command returns its exit code."""
    ctx.exit(code or 0)


def _options(ctx: click.Context, file: str | None, broker: str | None, management_url: str | None) -> Options:
    options: Options = ctx.find_object(Options) or Options()
    return options.over(file, broker, management_url)


def _remember_format(ctx: click.Context, _: click.Parameter, fmt: str) -> str:
    if fmt == "json":
        ctx.meta[JSON_OUTPUT] = ctx.info_name
    return fmt


FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    is_eager=True,  # known before any other option can fail, so that its error is JSON too
    callback=_remember_format,
    help="json: one envelope (topology/cli/envelope.schema.json), errors included.",
)
APP = click.option(
    "-A", "--app", help="Celery app to check task names against (as for `celery -A`; default: `app:` in the file)."
)


def _supported_series(_: click.Context, __: click.Parameter, series: str | None) -> str | None:
    from topology.checks.versions import SUPPORTED

    if series is not None and series not in SUPPORTED:
        raise click.BadParameter(f"{series!r} is not a supported RabbitMQ series (supported: {', '.join(SUPPORTED)})")
    return series


@main.command()
@common_options
@APP
@FORMAT
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings.")
@click.option(
    "--rabbitmq-version",
    "rabbitmq",
    metavar="SERIES",
    callback=_supported_series,
    help="Check RabbitMQ's rules as this RabbitMQ series applies them, e.g. 4.0 (default: `rabbitmq:` in the "
    "file, else the newest supported).",
)
@click.pass_context
def validate(
    ctx: click.Context, /, app: str | None, fmt: str, strict: bool, rabbitmq: str | None, **given: str | None
) -> int:
    """Check routing.yaml: structure, references, RabbitMQ's rules, routes proven, task names."""
    from topology.cli import output
    from topology.commands.validate import validate as validate_file

    result = validate_file(_options(ctx, **given).file, app, strict=strict, rabbitmq=rabbitmq)
    output.print_validated(result.report, result.exit_code, fmt)
    return result.exit_code


@main.command()
@common_options
@APP
@FORMAT
@click.option(
    "--live", is_flag=True, help="Follow each route through the bindings on the broker; exit 1 if they differ."
)
@click.option("--queue", help="Where a call naming this queue lands (apply_async(queue=...)).")
@click.option("--exchange", help="Where a call naming this exchange lands (with --routing-key).")
@click.option("--routing-key", help="Where a call naming this routing key lands (with --exchange).")
@click.argument("task_names", nargs=-1, metavar="[TASK]...")
@click.pass_context
def routes(
    ctx: click.Context,
    /,
    app: str | None,
    fmt: str,
    live: bool,
    queue: str | None,
    exchange: str | None,
    routing_key: str | None,
    task_names: tuple[str, ...],
    **given: str | None,
) -> int:
    """Show where each task goes (those named, else every task): the rule that picks it, the exchange and
    key, the queues it lands in. With --queue, --exchange or --routing-key: where a call naming them lands,
    by Celery's precedence (the call, then the task's own options, then the routes, then the default queue)."""
    from topology.cli import output
    from topology.commands.validate import check
    from topology.routing import Named

    call = Named(queue, exchange, routing_key)
    if live:
        if call.items():
            raise click.UsageError("--live follows the file's routes: leave out --queue, --exchange, --routing-key")
        return _live_routes(_options(ctx, **given), app, fmt)
    checked = check(_options(ctx, **given).file, app)
    output.print_routes(checked, task_names, call, 0, fmt)
    return 0


@main.command()
def schema() -> int:
    """Print the JSON Schema of routing.yaml (for yaml-language-server and other editors)."""
    import json

    from topology.language.schema import json_schema

    click.echo(json.dumps(json_schema(), indent=2))
    return 0


def _plan_options(command: F) -> F:
    options = (
        click.option(
            "--recreate",
            is_flag=True,
            help="Delete and declare again a conflicting queue, only if empty and unconsumed (or with --force).",
        ),
        click.option("--prune", is_flag=True, help="Delete objects not in the file that `apply` made (same owner)."),
        click.option(
            "--force", is_flag=True, help="With --recreate or --prune: delete queues even if they hold messages."
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


def _session(
    options: Options,
    app: str | None = None,
    lock_wait: float | None = None,
    *,
    prove_amqp: bool = False,
    traffic: bool = False,
) -> tuple[VhostSession, Topology]:
    """The vhost session, its read already under way (with the vhost's traffic when `traffic`), and the file
    loaded meanwhile (on a large vhost both take a few hundred milliseconds). With `app` (-A), the file's
    task names are checked against the app's first, as `validate -A` checks them: an error is exit 2 before
    anything is planned. RabbitMQ's rules are checked once the broker's version is read."""
    settings = options.parsed()
    if has_choice(settings):  # the node to read from is chosen first; a guessed API is checked meanwhile
        try:
            settings = reach(settings)
        except BrokerUnavailable:  # no node of the list answers: the file's own problems come first
            options.topology()
            raise
    guessed = needs_check(settings) and not has_choice(settings)
    session = VhostSession(settings, traffic=traffic, lock_wait=lock_wait, prove_amqp=prove_amqp, check_cluster=guessed)
    if app is None:
        return session, options.topology(versioned=False)
    from topology.cli.output import print_problems
    from topology.commands.validate import check

    checked = check(options.file, app, versioned=False)
    print_problems(checked.loaded.warnings)
    return session, checked.loaded.topology


def _flags(recreate: bool, prune: bool, force: bool) -> tuple[str, ...]:
    """The plan's flags as given, for the `apply` command a plan points to."""
    given = (("--recreate", recreate), ("--prune", prune), ("--force", force))
    return tuple(flag for flag, on in given if on)


@main.command()
@common_options
@APP
@FORMAT
@_plan_options
@click.pass_context
def plan(
    ctx: click.Context, /, app: str | None, fmt: str, recreate: bool, prune: bool, force: bool, **given: str | None
) -> int:
    """Show what `apply` would do. Exit 0 when the broker holds the file, 1 when it differs (anything to
    create, change or delete, a conflict, or an object not in the file: what `inspect` calls drift)."""
    options = _options(ctx, **given)
    session, topology = _session(options, app, prove_amqp=True)
    from topology.cli import output
    from topology.commands.plan import plan_command

    source = _source(options)
    result = plan_command(topology, session, recreate=recreate, prune=prune, force=force, source=source)
    output.print_plan(result.report, session.settings, _flags(recreate, prune, force), result.exit_code, fmt)
    return result.exit_code


@main.command()
@common_options
@APP
@FORMAT
@_plan_options
@click.option(
    "--lock-wait",
    type=click.FloatRange(min=0),
    default=30,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait while another apply holds the vhost's lock, before exit 3 naming it.",
)
@click.pass_context
def apply(
    ctx: click.Context,
    /,
    app: str | None,
    fmt: str,
    recreate: bool,
    prune: bool,
    force: bool,
    lock_wait: float,
    **given: str | None,
) -> int:
    """Declare exchanges, queues, bindings and policies; change nothing if any existing object conflicts.
    One apply at a time on a vhost: each holds the vhost's apply lock from its read to its last change."""
    options = _options(ctx, **given)
    session, topology = _session(options, app, lock_wait)
    from topology.cli import output
    from topology.commands.apply import apply_command

    source = _source(options)
    flags = {"recreate": recreate, "prune": prune, "force": force}
    try:
        with _progress_bar() as progress:
            result = apply_command(topology, session, progress, **flags, source=source)
    finally:
        session.close()
    output.print_apply(result.report, session.settings, result.exit_code, fmt)
    return result.exit_code


def _source(options: Options) -> Source:
    """The file's identity (hash, git commit): what `apply` records and plan and inspect compare with."""
    from topology.commands.history import source_of
    from topology.language.loader import topology_path

    return source_of(topology_path(options.file))


@contextmanager
def _progress_bar(description: str = "applying") -> Iterator[ProgressFactory | None]:
    """A progress bar on stderr when it is a terminal: large applies send thousands of operations."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:

        def start(total: int) -> Callable[[int], None]:
            task = bar.add_task(description, total=total)
            return lambda done: bar.advance(task, done)

        yield start


@main.command()
@common_options
@APP
@FORMAT
@click.option("--require-consumers", is_flag=True, help="Also exit 1 when a routed queue has no consumer.")
@click.option("--max-ready", type=click.IntRange(min=0), help="Exit 1 when any queue holds more ready messages.")
@click.option(
    "--max-age",
    callback=lambda _c, _p, v: _duration(v),
    help="Exit 1 when a queue's oldest message is older (30s, 5m).",
)
@click.pass_context
def inspect(
    ctx: click.Context,
    /,
    app: str | None,
    fmt: str,
    require_consumers: bool,
    max_ready: int | None,
    max_age: float | None,
    **given: str | None,
) -> int:
    """Compare the live vhost with routing.yaml: drift, consumers, ready messages. Exit 1 on drift, as
    `plan` does for the same broker."""
    options = _options(ctx, **given)
    session, topology = _session(options, app, traffic=True)
    from topology.cli import output
    from topology.commands.inspect import inspect_command
    from topology.planning.activity import Thresholds

    thresholds = Thresholds(max_ready, max_age)
    result = inspect_command(
        topology, session, require_consumers=require_consumers, thresholds=thresholds, source=_source(options)
    )
    output.print_inspect(topology, result.report, session.settings, result.exit_code, fmt)
    return result.exit_code


@main.command()
@common_options
@FORMAT
@click.pass_context
def doctor(ctx: click.Context, /, fmt: str, **given: str | None) -> int:
    """Say which AMQP client Celery will use and whether the broker and management API answer."""
    from topology.cli import output
    from topology.commands.doctor import doctor as diagnose

    result = diagnose(_options(ctx, **given).settings())
    output.print_doctor(result.report, result.exit_code, fmt)
    return result.exit_code


# -- graph, workers, routes --live (issue 20) ------------------------------------------------------------------------


def _duration(text: str | None) -> float | None:
    from topology.language.units import parse_duration

    try:
        return None if text is None else parse_duration(text)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _live_routes(options: Options, app: str | None, fmt: str) -> int:
    session = VhostSession(options.settings())
    from topology.cli import workers_output
    from topology.commands.validate import check
    from topology.planning.live_routes import live_routes

    checked = check(options.file, app)
    topology = checked.loaded.topology
    state = session.state(topology, check_properties=False)
    if session.unreachable is not None:
        raise session.unreachable  # bindings can be listed only by the management API
    routes = live_routes(topology, state, checked.task_names)
    workers_output.print_live_routes(state.vhost, routes, fmt)
    return 1 if any(route.captured or route.lost for route in routes) else 0


@main.command()
@common_options
@APP
@click.option("--format", "fmt", type=click.Choice(["svg", "png", "dot", "mermaid"]), default="svg", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the picture here (default: stdout).")
@click.option(
    "--live", is_flag=True, help="Overlay the broker: counts, workers, missing (red) and extra (grey) objects."
)
@click.option("--focus", metavar="TASK|QUEUE", help="Only the part that concerns this task or queue.")
@click.pass_context
def graph(
    ctx: click.Context,
    /,
    app: str | None,
    fmt: str,
    output: str | None,
    live: bool,
    focus: str | None,
    **given: str | None,
) -> int:
    """Draw the routing: tasks -> exchanges -> queues (-> workers, with --live), with keys and header matches."""
    options = _options(ctx, **given)
    session = VhostSession(options.settings()) if live else None
    from topology.cli import graph_output
    from topology.commands.graph import graph_command
    from topology.commands.validate import check
    from topology.routing import known_task_names

    checked = check(options.file, app)
    topology = checked.loaded.topology
    result = graph_command(topology, known_task_names(topology, checked.task_names), session, focus)
    if result.report is None:
        raise click.BadParameter(f"no task or queue named {focus!r} in the picture", param_hint="--focus")
    graph_output.write(result.report, fmt, output)
    return result.exit_code


@main.command()
@common_options
@FORMAT
@click.pass_context
def workers(ctx: click.Context, /, fmt: str, **given: str | None) -> int:
    """Name the Celery workers consuming each queue (node, host, pid, prefetch), and flag odd consumers."""
    session, topology = _session(_options(ctx, **given), traffic=True)
    from topology.cli import workers_output
    from topology.commands.workers import workers_command

    result = workers_command(topology, session)
    workers_output.print_workers(result.report, fmt)
    return result.exit_code


# --- the nets: tasks kept by the unroutable and dead-letter nets, listed and replayed (commands/recover.py) ---

NET = click.option("--unroutable", is_flag=True, help="The unroutable net's queue instead of the dead-letter net's.")


def _net(unroutable: bool) -> Net:
    from topology.planning.kept import Net

    return Net.UNROUTABLE if unroutable else Net.DEAD_LETTERS


@main.command("dead-letters")
@common_options
@FORMAT
@NET
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True, help="List at most this many.")
@click.pass_context
def dead_letters(ctx: click.Context, /, fmt: str, unroutable: bool, limit: int, **given: str | None) -> int:
    """List the dead-lettered (or, with --unroutable, unroutable) tasks, without consuming them."""
    session, topology = _session(_options(ctx, **given))
    from topology.cli import recover_output
    from topology.commands.recover import list_kept

    result = list_kept(topology, session, _net(unroutable), limit)
    recover_output.print_kept(result.report, fmt)
    return result.exit_code


@main.command()
@common_options
@FORMAT
@NET
@click.option("--task", "tasks", multiple=True, help="Replay only tasks of this name (repeatable).")
@click.option("--id", "ids", multiple=True, help="Replay only the task with this id (repeatable).")
@click.pass_context
def replay(
    ctx: click.Context, /, fmt: str, unroutable: bool, tasks: tuple[str, ...], ids: tuple[str, ...], **given: str | None
) -> int:
    """Send kept tasks again through the current routes; each original is removed once its replay is confirmed."""
    session, topology = _session(_options(ctx, **given))
    from topology.cli import recover_output
    from topology.commands.recover import replay as replay_tasks

    with _progress_bar("replaying") as progress:
        result = replay_tasks(topology, session, _net(unroutable), tasks, ids, progress)
    recover_output.print_replayed(result.report, fmt)
    return result.exit_code


# --- export and adopt: routing.yaml to RabbitMQ definitions, and a live vhost to routing.yaml ---

OUTPUT = click.option("-o", "--output", help="Write to this file instead of stdout.")


@main.command()
@common_options
@OUTPUT
@click.pass_context
def export(ctx: click.Context, /, output: str | None, **given: str | None) -> int:
    """Print routing.yaml as RabbitMQ definitions of the broker URL's vhost (nothing is sent): for
    `rabbitmqctl import_definitions` or the management UI's import."""
    import json

    from topology.cli.written_output import write_file
    from topology.commands.export import export_command

    options = _options(ctx, **given)
    result = export_command(options.topology(), options.parsed().vhost)
    write_file(json.dumps(result.report, indent=2) + "\n", output)
    return result.exit_code


@main.command()
@common_options
@OUTPUT
@FORMAT
@click.pass_context
def adopt(ctx: click.Context, /, output: str | None, fmt: str, **given: str | None) -> int:
    """Write the live vhost as routing.yaml (Celery's and RabbitMQ's own objects left out); nothing changes."""
    from topology.cli.adopt_output import print_adopted
    from topology.commands.adopt import adopt_command

    result = adopt_command(_options(ctx, **given).settings())
    print_adopted(result.report, output, fmt)
    return result.exit_code


# --- import-celery: an existing Celery configuration as routing.yaml ---


@main.command("import-celery")
@click.argument("module")
@click.option(
    "--namespace",
    help="The prefix a config module's settings are written with (Django's CELERY, as in "
    "config_from_object(..., namespace='CELERY')); default: an app's own, else detected.",
)
@click.option(
    "--rabbitmq-version",
    "rabbitmq",
    metavar="SERIES",
    callback=_supported_series,
    help="The RabbitMQ series the file targets, e.g. 4.0: written as its `rabbitmq:`, and what that series "
    "refuses or changes for the app as it stands is printed as warnings (default: the newest supported).",
)
@OUTPUT
@FORMAT
def import_celery(module: str, namespace: str | None, rabbitmq: str | None, output: str | None, fmt: str) -> int:
    """Write routing.yaml from a Celery app (as for `celery -A`) or config module; exit 1 with findings."""
    from topology.cli.import_celery_output import print_imported
    from topology.commands.import_celery import import_command

    result = import_command(module, namespace, output, rabbitmq)
    print_imported(result.report, output, fmt)
    return result.exit_code

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
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from topology.broker.failover import has_choice, needs_check, reach
from topology.broker.session import VhostSession
from topology.broker.settings import Settings, redacted, resolve_settings
from topology.cli.formats import GRAPH_FORMATS, Format
from topology.codes import ExitCode
from topology.errors import BrokerUnavailable, InvalidUsage, TopologyError

if TYPE_CHECKING:
    from topology.commands.apply import ProgressFactory
    from topology.commands.plan import SavedPlan
    from topology.commands.result import Confirm
    from topology.commands.validate import Checked
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
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())
"""click 8.2+: no arguments at all is the help, as a usage error (exit 2)."""
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
            click.echo(redacted(str(error)), err=True)
            command = ctx.meta.get(JSON_OUTPUT)
            if command is not None:
                _print_error_envelope(ctx, command, error)
            ctx.exit(error.exit_code)


@contextmanager
def _usage_envelope(ctx: click.Context) -> Iterator[None]:
    """click's own usage errors (an unknown option, a missing argument, a bad choice) as the envelope on
    stdout too, when `--format json` is on the command line; click then prints its text and exits 2."""
    try:
        yield
    except click.UsageError as raised:
        error = raised
        said = raised.format_message()
        help_text = isinstance(raised, _NO_ARGS_IS_HELP)  # the help, with the default URL's well-known password
        if redacted(said) != said and not help_text:  # a URL typed where it does not belong: its password hidden
            error = click.UsageError(redacted(said), raised.ctx)
        if _json_asked(ctx.meta.get(COMMAND_LINE, ())):
            from topology.cli.envelope import Body, envelope, error_problem
            from topology.cli.render.text import print_json

            failed = error.ctx.command if error.ctx is not None else None
            # a missing option value names no context: the command is the one the group was starting
            command = failed.name if failed is not None and failed is not ctx.command else ctx.invoked_subcommand
            body = Body(problems=[error_problem(error.format_message())])
            print_json(envelope(command, error.exit_code, body))
        if error is raised:
            raise
        raise error from None


def _json_asked(args: Sequence[str]) -> bool:
    """`--format json` or `--format=json` among the arguments, wherever given."""
    pairs = pairwise(args)
    return "--format=json" in args or any(arg == "--format" and after == "json" for arg, after in pairs)


def _print_error_envelope(ctx: click.Context, command: str, error: TopologyError) -> None:
    """The envelope of a command that failed: its problems, and the broker and vhost it was aimed at."""
    from topology.cli.envelope import Body, envelope, error_problem, redacted_problem
    from topology.cli.render.text import print_json
    from topology.errors import InvalidTopology

    problems = error.problems if isinstance(error, InvalidTopology) else [error_problem(str(error))]
    broker, vhost = _aimed_at(ctx, command)
    body = Body(problems=[redacted_problem(p) for p in problems])
    print_json(envelope(command, error.exit_code, body, broker=broker, vhost=vhost))


def _aimed_at(ctx: click.Context, command: str) -> tuple[str | None, str | None]:
    """The broker and vhost a command that talks to one was aimed at, when its settings are valid."""
    if command not in BROKER_COMMANDS:
        return None, None
    options = ctx.meta.get(OPTIONS) or ctx.find_object(Options) or Options()
    try:
        settings = options.parsed()
    except TopologyError:
        return None, None
    return str(settings.broker), settings.vhost


COMMON_OPTIONS = (
    click.option("-f", "--file", "file", help="Topology file (default: $TOPOLOGY_FILE, else ./routing.yaml)."),
    click.option("--broker", help="AMQP URL (default: $CELERY_BROKER_URL, else amqp://guest:guest@localhost:5672//)."),
    click.option(
        "--management-url", help="Management API (default: $RABBITMQ_MANAGEMENT_URL, else http://<broker host>:15672)."
    ),
)
BROKER_COMMANDS = frozenset(
    {"plan", "apply", "inspect", "doctor", "workers", "dead-letters", "replay", "adopt", "metrics", "serve"}
)
"""The commands that always talk to a broker: their error envelopes name it and its vhost."""
OPTIONS = "topology.options"
"""ctx.meta key: the command's Options, once merged (for the error envelope)."""


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
    ctx.exit(code or ExitCode.OK)


def _options(ctx: click.Context, file: str | None, broker: str | None, management_url: str | None) -> Options:
    options: Options = ctx.find_object(Options) or Options()
    merged = options.over(file, broker, management_url)
    ctx.meta[OPTIONS] = merged
    return merged


def _remember_format(ctx: click.Context, _: click.Parameter, fmt: str | None) -> str | None:
    if fmt == Format.JSON.value:
        ctx.meta[JSON_OUTPUT] = ctx.info_name
    return fmt


def _format(fmt: str) -> Format:
    return Format(fmt)


FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(Format.choices()),
    default=Format.TEXT.value,
    show_default=True,
    is_eager=True,  # known before any other option can fail, so that its error is JSON too
    callback=lambda ctx, param, fmt: _format(_remember_format(ctx, param, fmt) or Format.TEXT.value),
    help="json: one envelope (topology/cli/envelope.schema.json), errors included.",
)
APP = click.option(
    "-A", "--app", help="Celery app to check task names against (as for `celery -A`; default: `app:` in the file)."
)
OUTPUT = click.option("-o", "--output", help="Write to this file instead of stdout.")

CHOSEN_TASKS = (
    click.option("--task", "tasks", multiple=True, help="Only tasks of this name (repeatable)."),
    click.option("--id", "ids", multiple=True, help="Only the task with this id (repeatable)."),
)
YES = click.option("--yes", "-y", is_flag=True, help="Do not ask before deleting (for scripts; asked on a terminal).")


def _chosen(command: F) -> F:
    for option in reversed(CHOSEN_TASKS):
        command = option(command)
    return command


def _confirmation(yes: bool) -> Confirm:
    """Asked on a terminal; --yes answers for a script; without either, nothing is deleted (exit 2)."""

    def confirm(question: str) -> bool:
        if yes:
            return True
        if not sys.stdin.isatty():
            raise InvalidUsage(f"this would {question}: confirm on a terminal, or pass --yes")
        return click.confirm(f"{question[0].upper()}{question[1:]}?", default=False, err=True)

    return confirm


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
    ctx: click.Context, /, app: str | None, fmt: Format, strict: bool, rabbitmq: str | None, **given: str | None
) -> int:
    """Check routing.yaml: structure, references, RabbitMQ's rules, routes proven, task names."""
    from topology.cli.render.validate import VALIDATE
    from topology.commands.validate import validate as validate_file

    return VALIDATE.show(validate_file(_options(ctx, **given).file, app, strict=strict, rabbitmq=rabbitmq), fmt)


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
    fmt: Format,
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
    from topology.routing import Named

    options = _options(ctx, **given)
    call = Named(queue, exchange, routing_key)
    if live:
        if call.items():
            raise click.UsageError("--live follows the file's routes: leave out --queue, --exchange, --routing-key")
        session = _closing(VhostSession(options.settings()))
        from topology.cli.render.routes import LIVE_ROUTES
        from topology.commands.routes import live_routes_command
        from topology.commands.validate import check

        return LIVE_ROUTES.show(live_routes_command(check(options.file, app), session, task_names), fmt)
    from topology.cli.render.routes import ROUTES
    from topology.commands.routes import routes_command

    return ROUTES.show(routes_command(options.file, app, task_names, call), fmt)


@main.command()
@OUTPUT
@FORMAT
def schema(output: str | None, fmt: Format) -> int:
    """Print the JSON Schema of routing.yaml (for yaml-language-server and other editors)."""
    from topology.cli.render.schema import SCHEMA
    from topology.commands.schema import schema_command

    return SCHEMA.show(schema_command(), fmt, output)


def _plan_options(command: F) -> F:
    options = (
        click.option(
            "--recreate",
            is_flag=True,
            help="Delete and declare again a conflicting queue, only if empty and unconsumed (or with --force).",
        ),
        click.option("--prune", is_flag=True, help="Delete objects not in the file that `apply` made (same owner)."),
        click.option(
            "--migrate",
            is_flag=True,
            help="Change a queue's type or x-arguments while it holds tasks and is consumed (asked first).",
        ),
        click.option(
            "--force", is_flag=True, help="With --recreate or --prune: delete queues even if they hold messages."
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


def _closing(session: VhostSession) -> VhostSession:
    """`session`, closed when the command ends, however it ends: its reads are stopped and waited for."""
    return click.get_current_context().with_resource(session)


def _session(
    options: Options,
    app: str | None = None,
    lock_wait: float | None = None,
    *,
    prove_amqp: bool = False,
    traffic: bool = False,
    load: Callable[[], Topology] | None = None,
) -> tuple[VhostSession, Topology]:
    """The vhost session, its read already under way (with the vhost's traffic when `traffic`), and the file
    loaded meanwhile (on a large vhost both take a few hundred milliseconds). With `app` (-A), the file's
    task names are checked against the app's first, as `validate -A` checks them: an error is exit 2 before
    anything is planned. RabbitMQ's rules are checked once the broker's version is read. `load`: where the
    file comes from, when it is not the file of the options (a saved plan's)."""
    settings = options.parsed()
    if has_choice(settings):  # the node to read from is chosen first; a guessed API is checked meanwhile
        try:
            settings = reach(settings)
        except BrokerUnavailable:  # no node of the list answers: the file's own problems come first
            options.topology()
            raise
    guessed = needs_check(settings) and not has_choice(settings)
    session = _closing(
        VhostSession(settings, traffic=traffic, lock_wait=lock_wait, prove_amqp=prove_amqp, check_cluster=guessed)
    )
    if load is not None:
        return session, load()
    if app is None:
        return session, options.topology(versioned=False)
    from topology.cli.render.text import print_problems
    from topology.commands.validate import check

    checked = check(options.file, app, versioned=False)
    print_problems(checked.loaded.warnings)
    return session, checked.loaded.topology


@main.command()
@common_options
@APP
@FORMAT
@_plan_options
@click.option("-o", "--output", "saved", metavar="FILE", help="Also save the plan here, for `apply FILE`.")
@click.pass_context
def plan(
    ctx: click.Context,
    /,
    app: str | None,
    fmt: Format,
    recreate: bool,
    prune: bool,
    migrate: bool,
    force: bool,
    saved: str | None,
    **given: str | None,
) -> int:
    """Show what `apply` would do, attribute by attribute. Exit 0 when the broker holds the file, 1 when it
    differs (anything to create, change or delete, a conflict, or an object not in the file: what `inspect`
    calls drift). With -o FILE, `apply FILE` later carries out this plan, only if the broker has not changed."""
    options = _options(ctx, **given)
    session, topology = _session(options, app, prove_amqp=True)
    from topology.cli.render.plan import PLAN
    from topology.commands.plan import plan_command

    source = _source(options)
    flags = {"recreate": recreate, "prune": prune, "force": force, "migrate": migrate}
    result = plan_command(topology, session, **flags, source=source)
    if saved is not None:
        import json

        from topology.cli.render.files import write_output
        from topology.commands.plan import saved_plan

        write_output(saved, (json.dumps(saved_plan(result.report, source).data(), indent=2) + "\n").encode())
        result = replace(result, report=replace(result.report, saved=saved))
    return PLAN.show(result, fmt)


def _seconds(_: click.Context, __: click.Parameter, seconds: float) -> float:
    """A number of seconds: `nan` and `inf` are no wait anyone can count down."""
    if not math.isfinite(seconds) or seconds < 0:
        raise click.BadParameter(f"{seconds} is not a number of seconds (0 or more)")
    return seconds


@main.command()
@common_options
@APP
@FORMAT
@_plan_options
@YES
@click.option(
    "--lock-wait",
    type=float,
    default=30,
    show_default=True,
    metavar="SECONDS",
    callback=_seconds,
    help="How long to wait while another apply holds the vhost's lock, before exit 3 naming it.",
)
@click.argument("saved", metavar="[PLAN]", required=False)
@click.pass_context
def apply(
    ctx: click.Context,
    /,
    app: str | None,
    fmt: Format,
    recreate: bool,
    prune: bool,
    migrate: bool,
    force: bool,
    yes: bool,
    lock_wait: float,
    saved: str | None,
    **given: str | None,
) -> int:
    """Declare exchanges, queues, bindings and policies; change nothing if any existing object conflicts.
    One apply at a time on a vhost: each holds the vhost's apply lock from its read to its last change.
    PLAN (saved by `plan -o PLAN`): carry out that plan, with its file and flags, only if the broker has not
    changed since."""
    options = _options(ctx, **given)
    from topology.cli.render.apply import APPLY
    from topology.commands.apply import apply_command

    if saved is None:
        session, topology = _session(options, app, lock_wait)
        source, outline = _source(options), None
    else:
        if recreate or prune or force or migrate or options.file or app:
            raise click.UsageError("a saved plan carries its own file and flags: give PLAN alone")
        plan_file = _saved_plan(saved, options)
        session, topology = _session(options, lock_wait=lock_wait, load=plan_file.topology)
        source, outline = plan_file.source, plan_file.outline
        saved_options = plan_file.options
        recreate, prune, force, migrate = (
            saved_options.recreate,
            saved_options.prune,
            saved_options.force,
            saved_options.migrate,
        )
    flags = {"recreate": recreate, "prune": prune, "force": force, "migrate": migrate}
    confirm = _confirmation(yes)
    with session, _progress_bar() as progress:  # the lock is released before the report is printed
        result = apply_command(
            topology, session, progress, **flags, source=source, confirm=confirm, planned_outline=outline
        )
    return APPLY.show(result, fmt)


def _saved_plan(path: str, options: Options) -> SavedPlan:
    """The plan `plan -o` saved at `path`, for the broker URL's vhost (InvalidUsage, exit 2, otherwise)."""
    import json

    from topology.commands.plan import SavedPlan

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not JSON"
        raise InvalidUsage(f"cannot read the saved plan {path}: {reason}") from None
    saved = SavedPlan.from_data(data, path)
    vhost = options.parsed().vhost
    if saved.vhost != vhost:
        raise InvalidUsage(f"{path} is a plan for vhost {saved.vhost!r}, not for {vhost!r} (the broker URL's)")
    return saved


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

    bar = Progress(console=Console(stderr=True), transient=True)

    def start(total: int) -> Callable[[int], None]:
        """Shown from the first operation sent: not while apply asks before deleting."""
        bar.start()
        task = bar.add_task(description, total=total)
        return lambda done: bar.advance(task, done)

    try:
        yield start
    finally:
        bar.stop()


def _duration(_: click.Context, __: click.Parameter, text: str | None) -> float | None:
    from topology.language.units import parse_duration

    try:
        return None if text is None else parse_duration(text)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@main.command()
@common_options
@APP
@FORMAT
@click.option("--require-consumers", is_flag=True, help="Also exit 1 when a routed queue has no consumer.")
@click.option("--max-ready", type=click.IntRange(min=0), help="Exit 1 when any queue holds more ready messages.")
@click.option("--max-age", callback=_duration, help="Exit 1 when a queue's oldest message is older (30s, 5m).")
@click.pass_context
def inspect(
    ctx: click.Context,
    /,
    app: str | None,
    fmt: Format,
    require_consumers: bool,
    max_ready: int | None,
    max_age: float | None,
    **given: str | None,
) -> int:
    """Compare the live vhost with routing.yaml: drift, consumers, ready messages. Exit 1 on drift (as
    `plan` does for the same broker) and on tasks kept in the nets."""
    options = _options(ctx, **given)
    session, topology = _session(options, app, traffic=True)
    from topology.cli.render.inspect import INSPECT
    from topology.commands.inspect import inspect_command
    from topology.planning.activity import Thresholds

    thresholds = Thresholds(max_ready, max_age)
    result = inspect_command(
        topology, session, require_consumers=require_consumers, thresholds=thresholds, source=_source(options)
    )
    return INSPECT.show(result, fmt)


@main.command()
@common_options
@OUTPUT
@FORMAT
@click.pass_context
def metrics(ctx: click.Context, /, output: str | None, fmt: Format, **given: str | None) -> int:
    """Print what inspect reads as Prometheus metrics (text format: a textfile for node_exporter), once."""
    session, topology = _session(_options(ctx, **given), traffic=True)
    from topology.cli.render.metrics import METRICS
    from topology.commands.metrics import metrics_command

    return METRICS.show(metrics_command(topology, session), fmt, output)


@main.command()
@common_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every one).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free port.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.5),
    default=5,
    show_default=True,
    metavar="SECONDS",
    help="How often the broker is read (once for every browser and scrape).",
)
@click.pass_context
def serve(ctx: click.Context, /, host: str, port: int, interval: float, **given: str | None) -> int:
    """Serve the live routing picture, the queues, drift, the nets' tasks and the beat schedule as a web page,
    and /metrics for Prometheus; replay and discard need the token printed at start."""
    options = _options(ctx, **given)
    options.topology()  # the file's problems first: exit 2, nothing served
    settings = options.settings()
    from topology.cli.render.serve import announce
    from topology.web.serve import serve as serve_page

    return serve_page(settings, lambda: options.topology(versioned=False), host, port, interval, announce)


@main.command()
@common_options
@FORMAT
@click.pass_context
def doctor(ctx: click.Context, /, fmt: Format, **given: str | None) -> int:
    """Say which AMQP client Celery will use and whether the broker and management API answer."""
    from topology.cli.render.doctor import DOCTOR
    from topology.commands.doctor import doctor as diagnose

    return DOCTOR.show(diagnose(_options(ctx, **given).settings()), fmt)


@main.command()
@common_options
@APP
@click.option(
    "--format",
    "fmt",
    type=click.Choice(GRAPH_FORMATS),
    callback=_remember_format,
    is_eager=True,
    help="The picture (default: -o's extension, else svg), or json: the envelope, its nodes and edges.",
)
@click.option("-o", "--output", help="Write the picture here, in the format its extension names (default: stdout).")
@click.option(
    "--live", is_flag=True, help="Overlay the broker: counts, workers, missing (red) and extra (grey) objects."
)
@click.option("--focus", metavar="TASK|QUEUE", help="Only the part that concerns this task or queue.")
@click.pass_context
def graph(
    ctx: click.Context,
    /,
    app: str | None,
    fmt: str | None,
    output: str | None,
    live: bool,
    focus: str | None,
    **given: str | None,
) -> int:
    """Draw the routing: tasks -> exchanges -> queues (-> workers, with --live), with keys and header matches."""
    from topology.cli.render import graph as rendered

    options = _options(ctx, **given)
    rendered.picture_for(fmt, output)  # a --format the -o file's extension contradicts: before anything else
    session = _closing(VhostSession(options.settings())) if live else None
    from topology.commands.graph import graph_command
    from topology.commands.validate import check

    return rendered.show(graph_command(check(options.file, app), session, focus), fmt, output)


@main.command()
@common_options
@FORMAT
@click.pass_context
def workers(ctx: click.Context, /, fmt: Format, **given: str | None) -> int:
    """Name the Celery workers consuming each queue (node, host, pid, prefetch), and flag odd consumers."""
    session, topology = _session(_options(ctx, **given), traffic=True)
    from topology.cli.render.workers import WORKERS
    from topology.commands.workers import workers_command

    return WORKERS.show(workers_command(topology, session), fmt)


# --- the nets: tasks kept by the unroutable and dead-letter nets, listed and replayed (commands/recover.py) ---

NET = click.option("--unroutable", is_flag=True, help="The unroutable net's queue instead of the dead-letter net's.")


def _net(unroutable: bool) -> Net:
    from topology.planning.kept import Net

    return Net.UNROUTABLE if unroutable else Net.DEAD_LETTERS


def _checked_names(options: Options, app: str | None, tasks: tuple[str, ...]) -> Checked | None:
    """The file with the app's task names, when `--task` names need checking."""
    if not tasks:
        return None
    from topology.commands.validate import check

    return check(options.file, app, versioned=False)


@main.command("dead-letters")
@common_options
@APP
@FORMAT
@NET
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True, help="List at most this many.")
@click.option("--discard", is_flag=True, help="Drop the chosen tasks for good (--task, --id, or --all), asked first.")
@_chosen
@click.option("--all", "everything", is_flag=True, help="With --discard: every task the net keeps.")
@YES
@click.pass_context
def dead_letters(
    ctx: click.Context,
    /,
    app: str | None,
    fmt: Format,
    unroutable: bool,
    limit: int,
    discard: bool,
    tasks: tuple[str, ...],
    ids: tuple[str, ...],
    everything: bool,
    yes: bool,
    **given: str | None,
) -> int:
    """List the dead-lettered (or, with --unroutable, unroutable) tasks, without consuming them; or drop
    chosen ones for good with --discard."""
    if not discard and (tasks or ids or everything):
        raise click.UsageError("--task, --id and --all choose what --discard drops: give --discard too")
    options = _options(ctx, **given)
    session, topology = _session(options)
    from topology.cli.render.dead_letters import DEAD_LETTERS, DISCARD
    from topology.commands.recover import Choice, list_kept
    from topology.commands.recover import discard as discard_tasks

    if discard:
        checked = _checked_names(options, app, tasks)
        choice, confirm = Choice(tasks, ids), _confirmation(yes)
        result = discard_tasks(topology, session, _net(unroutable), choice, confirm, checked, everything=everything)
        return DISCARD.show(result, fmt)
    return DEAD_LETTERS.show(list_kept(topology, session, _net(unroutable), limit), fmt)


@main.command()
@common_options
@APP
@FORMAT
@NET
@_chosen
@click.pass_context
def replay(
    ctx: click.Context,
    /,
    app: str | None,
    fmt: Format,
    unroutable: bool,
    tasks: tuple[str, ...],
    ids: tuple[str, ...],
    **given: str | None,
) -> int:
    """Send kept tasks again through the current routes; each original is removed once its replay is confirmed."""
    options = _options(ctx, **given)
    session, topology = _session(options)
    from topology.cli.render.replay import REPLAY
    from topology.commands.recover import Choice
    from topology.commands.recover import replay as replay_tasks

    checked = _checked_names(options, app, tasks)
    with _progress_bar("replaying") as progress:
        result = replay_tasks(topology, session, _net(unroutable), Choice(tasks, ids), progress, checked)
    return REPLAY.show(result, fmt)


# --- export and adopt: routing.yaml to RabbitMQ definitions, and a live vhost to routing.yaml ---


ASYNCAPI = "asyncapi"


@main.command()
@common_options
@OUTPUT
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*Format.choices(), ASYNCAPI]),
    default=Format.TEXT.value,
    show_default=True,
    is_eager=True,
    callback=_remember_format,
    help="json: the envelope; asyncapi: an AsyncAPI 3.0 document (YAML, or JSON when -o names a .json file).",
)
@click.pass_context
def export(ctx: click.Context, /, output: str | None, fmt: str, **given: str | None) -> int:
    """Print routing.yaml as RabbitMQ definitions of the broker URL's vhost (nothing is sent): for
    `rabbitmqctl import_definitions` or the management UI's import. With --format asyncapi: the tasks each
    exchange takes with their routing keys, the queues workers consume, Celery's message, as AsyncAPI 3.0."""
    from topology.cli.render.export import ASYNCAPI_JSON, ASYNCAPI_YAML, EXPORT
    from topology.commands.export import export_command

    options = _options(ctx, **given)
    settings = options.parsed()
    if fmt != ASYNCAPI:
        return EXPORT.show(export_command(options.topology(), settings.vhost), _format(fmt), output)
    host = f"{settings.broker.host}:{settings.broker.port}"
    result = export_command(options.topology(), settings.vhost, host)
    renderer = ASYNCAPI_JSON if output is not None and output.lower().endswith(".json") else ASYNCAPI_YAML
    return renderer.show(result, Format.TEXT, output)


@main.command()
@common_options
@OUTPUT
@FORMAT
@click.pass_context
def adopt(ctx: click.Context, /, output: str | None, fmt: Format, **given: str | None) -> int:
    """Write the live vhost as routing.yaml (Celery's and RabbitMQ's own objects left out); nothing changes."""
    from topology.cli.render.adopt import ADOPT
    from topology.commands.adopt import adopt_command

    return ADOPT.show(adopt_command(_options(ctx, **given).settings()), fmt, output)


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
def import_celery(module: str, namespace: str | None, rabbitmq: str | None, output: str | None, fmt: Format) -> int:
    """Write routing.yaml from a Celery app (as for `celery -A`) or config module; exit 1 with findings."""
    from topology.cli.render.import_celery import IMPORT_CELERY
    from topology.commands.import_celery import import_command

    return IMPORT_CELERY.show(import_command(module, namespace, output, rabbitmq), fmt, output)

"""`validate` and `routes`: the file checked, with the Celery app's task names when the app imports."""

from __future__ import annotations

import io
from collections.abc import Iterable
from contextlib import redirect_stderr
from dataclasses import dataclass, replace
from pathlib import Path

from topology import hints
from topology.broker.settings import redacted
from topology.celery_adapter.app import AppTasks, app_tasks
from topology.checks.app_routes import check_app_routes
from topology.checks.task_options import check_schedule_options, check_task_options
from topology.codes import ExitCode
from topology.commands.result import Result
from topology.errors import InvalidTopology, InvalidUsage
from topology.language.loader import Loaded, load, topology_path, with_task_names
from topology.model import Problem, Severity
from topology.routing import known_task_names, unknown_tasks


@dataclass(frozen=True)
class Checked:
    path: Path
    loaded: Loaded
    tasks: AppTasks | None  # None: no app given; with `error` set: the app did not import

    @property
    def registered(self) -> frozenset[str] | None:
        """The app's task names, when it imported (None: the file's names are all that is known)."""
        return self.tasks.names if self.tasks is not None and self.tasks.error is None else None

    @property
    def task_names(self) -> list[str]:
        """The tasks `routes` lists: the app's own, else those the file names."""
        if self.tasks is not None and self.tasks.error is None:
            return self.tasks.own
        return known_task_names(self.loaded.topology)

    def unknown(self, asked: Iterable[str]) -> list[str]:
        """The names among `asked` that are no task the app registers (when it imported), else no task
        routing.yaml names or routes by a pattern."""
        return unknown_tasks(self.loaded.topology, asked, self.registered)

    def require_known(self, asked: Iterable[str], option: str, *, also: Iterable[str] = ()) -> tuple[Problem, ...]:
        """Every name among `asked` is known (`unknown`), or among `also`: the one rule of `routes TASK`, `graph
        --focus`, `replay --task` and `dead-letters --discard --task`. When the app's task names are known, any
        other name is InvalidUsage (exit 2), each with the closest known name; when only routing.yaml's are (no
        app given, or it did not import), the task may still be the app's: each is a warning, with the closest
        known name and how to check against the app, and the command goes on."""
        also = set(also)
        unknown = [name for name in self.unknown(asked) if name not in also]
        refuse_urls(option, unknown)
        known = [*(self.registered or known_task_names(self.loaded.topology)), *also]
        if self.registered is not None and self.tasks is not None and unknown:
            where = f"the Celery app {self.tasks.app!r}"
            said = [f"{option}: no task named {name!r} in {where}{hints.did_you_mean(name, known)}" for name in unknown]
            raise InvalidUsage("\n".join(said))
        return tuple(
            Problem(
                f"{option}: routing.yaml names no task {name!r}{hints.did_you_mean(name, known)}: it is shown as any "
                "task of that name would go; give -A/--app (or `app:` in the file) to check your app's task names",
                severity=Severity.WARNING,
            )
            for name in unknown
        )


def refuse_urls(option: str, values: Iterable[str]) -> None:
    """A URL with its password, typed where a name goes (`routes TASK`, `--queue`, `graph --focus`), is
    InvalidUsage, its password hidden: never shown in a table, never drawn."""
    urls = [redacted(value) for value in values if redacted(value) != value]
    if urls:
        raise InvalidUsage("\n".join(f"{option}: {url!r} is a URL, not a name" for url in urls))


def tasks_line(tasks: AppTasks | None) -> str:
    """How the task names were checked, in one line (routes' and validate's, text and JSON alike)."""
    if tasks is None:
        return "task names not checked: no Celery app given (`app:` in the file, or --app)"
    app = redacted(tasks.app)  # whatever was typed after -A
    if tasks.error is not None:
        return f"task names not checked: cannot import Celery app {app!r}: {redacted(tasks.error)}"
    return f"task names checked against Celery app {app!r}: {hints.counted(len(tasks.own), 'task')}"


def check(file: str | None, app: str | None, rabbitmq: str | None = None, *, versioned: bool = True) -> Checked:
    """The file checked once; then, when an app is given (`--app`, else `app:` in the file) and imports,
    what its task names add, whether its own router sends each task where the file does (one finding, a
    warning while every task still lands in the file's queues by another path), and what the
    destinations its tasks name themselves do (with the beat entries that send them), and what RabbitMQ of the
    target series refuses or changes for the app as it stands (its control, event and reply queues, its
    worker's prefetch, its quorum queues without a dead-letter target). RabbitMQ's rules are
    those of `rabbitmq` (a supported series), else of the file's target (none with `versioned=False`: the
    broker's version decides). The path is resolved first: importing the app sets
    $TOPOLOGY_FILE."""
    path = topology_path(file)
    try:
        loaded = load(path, rabbitmq=rabbitmq, versioned=versioned)
    except InvalidTopology as invalid:
        raise _with_task_names(invalid, app, path) from None
    app = app or loaded.topology.app
    if app is None:
        return Checked(path, loaded, None)
    tasks = app_tasks(app, path, loaded.target.rules if loaded.target is not None else None)
    if tasks.error is not None:
        return Checked(path, loaded, tasks)
    named = with_task_names(loaded, tasks.names)
    topology = named.topology
    found = [
        *check_app_routes(topology, app, tasks.sent_to, tasks.options, tasks.module),
        *check_task_options(topology, tasks.options),
        *check_schedule_options(topology, tasks.options),
        *tasks.hazards,
    ]
    if any(p.severity is Severity.ERROR for p in found):
        raise InvalidTopology([*named.warnings, *found])
    return Checked(path, replace(named, warnings=(*named.warnings, *found)), tasks)


def _with_task_names(invalid: InvalidTopology, app: str | None, path: Path) -> InvalidTopology:
    """A file with problems, and what the app's task names add to them when the rest of the file could be
    checked (only unknown keys were left out): every independent problem in one run."""
    checked = invalid.checked
    app = app or (checked.app if checked is not None else None)
    if checked is None or app is None:
        return invalid
    with redirect_stderr(io.StringIO()):  # an app configured from this very file says its problems again
        tasks = app_tasks(app, path)
    if tasks.error is not None:
        return invalid
    from topology.checks.routes import check_task_names

    return InvalidTopology(list(dict.fromkeys([*invalid.problems, *check_task_names(checked, tasks.names)])))


def validate(file: str | None, app: str | None, *, strict: bool, rabbitmq: str | None = None) -> Result[Checked]:
    checked = check(file, app, rabbitmq)
    failed = strict and bool(checked.loaded.warnings)
    return Result(checked, ExitCode.DIFFERS if failed else ExitCode.OK)

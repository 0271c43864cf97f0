"""`validate` and `routes`: the file checked, with the Celery app's task names when the app imports."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from topology.celery_adapter.app import AppTasks, app_tasks
from topology.checks.app_routes import check_app_routes
from topology.commands.result import ExitCode, Result
from topology.errors import InvalidTopology
from topology.language.loader import Loaded, load, topology_path, with_task_names
from topology.model import Severity
from topology.routing import known_task_names


@dataclass(frozen=True)
class Checked:
    path: Path
    loaded: Loaded
    tasks: AppTasks | None  # None: no app given; with `error` set: the app did not import

    @property
    def task_names(self) -> list[str]:
        """The tasks `routes` lists: the app's own, else those the file names."""
        if self.tasks is not None and self.tasks.error is None:
            return self.tasks.own
        return known_task_names(self.loaded.topology)


def check(file: str | None, app: str | None, rabbitmq: str | None = None, *, versioned: bool = True) -> Checked:
    """The file checked once; then, when an app is given (`--app`, else `app:` in the file) and imports,
    what its task names add, and whether its own router sends each task where the file
    does. RabbitMQ's rules are those of `rabbitmq` (a supported series), else of the file's target (none with
    `versioned=False`: the broker's version decides). The path is resolved first: importing the app sets
    $TOPOLOGY_FILE."""
    path = topology_path(file)
    loaded = load(path, rabbitmq=rabbitmq, versioned=versioned)
    app = app or loaded.topology.app
    if app is None:
        return Checked(path, loaded, None)
    tasks = app_tasks(app, path)
    if tasks.error is not None:
        return Checked(path, loaded, tasks)
    named = with_task_names(loaded, tasks.names)
    routed = list(check_app_routes(named.topology, app, tasks.sent_to, tasks.module))
    if any(p.severity is Severity.ERROR for p in routed):
        raise InvalidTopology([*named.warnings, *routed])
    return Checked(path, replace(named, warnings=(*named.warnings, *routed)), tasks)


def validate(file: str | None, app: str | None, *, strict: bool, rabbitmq: str | None = None) -> Result[Checked]:
    checked = check(file, app, rabbitmq)
    failed = strict and bool(checked.loaded.warnings)
    return Result(checked, ExitCode.DIFFERS if failed else ExitCode.OK)

"""`validate` and `routes`: the file checked, with the Celery app's task names when the app imports."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from topology.celery_adapter.app import AppTasks, app_tasks
from topology.checks.app_routes import check_app_routes
from topology.checks.task_options import check_schedule_options, check_task_options
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
    what its task names add, whether its own router sends each task where the file does (one finding, a
    warning while every task still lands in the file's queues by another path), and what the
    destinations its tasks name themselves do (with the beat entries that send them), and what RabbitMQ of the
    target series refuses or changes for the app as it stands (its control, event and reply queues, its
    worker's prefetch, its quorum queues without a dead-letter target). RabbitMQ's rules are
    those of `rabbitmq` (a supported series), else of the file's target (none with `versioned=False`: the
    broker's version decides). The path is resolved first: importing the app sets
    $TOPOLOGY_FILE."""
    path = topology_path(file)
    loaded = load(path, rabbitmq=rabbitmq, versioned=versioned)
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


def validate(file: str | None, app: str | None, *, strict: bool, rabbitmq: str | None = None) -> Result[Checked]:
    checked = check(file, app, rabbitmq)
    failed = strict and bool(checked.loaded.warnings)
    return Result(checked, ExitCode.DIFFERS if failed else ExitCode.OK)

"""The Celery app behind routing.yaml, imported the way `celery -A` does, for its registered task names.

Importing runs the user's code; any failure becomes a reason to print, never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from topology.checks.versions import VersionRules
from topology.language.loader import FILE_ENV
from topology.model import Destination, Problem
from topology.routing import TaskOptions

BUILTIN_PREFIX = "celery."


@dataclass(frozen=True)
class AppTasks:
    """The app's task names (Celery's own `celery.*` tasks included: routes may name them), or why not."""

    app: str
    names: frozenset[str] = frozenset()
    error: str | None = None
    sent_to: Mapping[str, Destination | str] = field(default_factory=dict)
    """Where the app's own router sends each of its own tasks, or why it cannot say."""
    options: Mapping[str, TaskOptions] = field(default_factory=dict)
    """The destination each of the app's own tasks names itself, for those that name one."""
    hazards: tuple[Problem, ...] = ()
    """What RabbitMQ of the file's target series refuses or changes for the app as it stands (`hazards.py`)."""
    module: str | None = None
    """The file that makes the app (where it is to be configured from routing.yaml), if known."""

    @property
    def own(self) -> list[str]:
        """The app's own tasks, sorted: what `routes` lists."""
        return sorted(n for n in self.names if not n.startswith(BUILTIN_PREFIX))


def app_tasks(app: str, topology_file: Path, rules: VersionRules | None = None) -> AppTasks:
    """Import `app` (module, module:attribute, or package with .celery) configured from `topology_file`;
    `rules`: the RabbitMQ series whose hazards for the app to name (none without)."""
    os.environ[FILE_ENV] = str(topology_file.resolve())  # the app loads routing.yaml: the same file
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        from celery.app.utils import find_app

        from topology.celery_adapter.hazards import consumer_timeout_problems, version_hazards
        from topology.celery_adapter.importing.read import module_file
        from topology.celery_adapter.precedence import task_options

        celery_app = find_app(app)
        celery_app.loader.import_default_modules()
        names = frozenset(celery_app.tasks.keys())
        own = [name for name in sorted(names) if not name.startswith(BUILTIN_PREFIX)]
        sent_to = {name: _sent_to(celery_app, name) for name in own}
        options = {name: found for name in own if (found := task_options(celery_app.tasks[name])) is not None}
        hazards = tuple(h.problem() for h in version_hazards(celery_app, rules)) if rules is not None else ()
        hazards += tuple(consumer_timeout_problems(celery_app))
        module = module_file(app)
    except Exception as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return AppTasks(app, error=f"{type(error).__name__}: {reason}")
    except SystemExit as error:
        return AppTasks(app, error=f"the app exited while importing (code {error.code})")
    return AppTasks(app, names, sent_to=sent_to, options=options, hazards=hazards, module=module)


def _sent_to(celery_app: Any, name: str) -> Destination | str:
    """Where the app publishes task `name` when the call names nothing (the task's own options in force, as
    `Task.apply_async` sends it): its router, then its task sender (the default queue and Celery's default
    exchange included), asked without publishing."""
    from topology.celery_adapter.importing.convert import exec_options
    from topology.celery_adapter.precedence import sent_to

    try:
        return sent_to(celery_app, name, exec_options(celery_app.tasks.get(name)))
    except Exception as error:  # the user's router, or a queue it names that task_queues lacks
        return f"its router fails: {type(error).__name__}: {error}"

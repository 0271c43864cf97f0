"""Public projects' Celery routing, reproduced: each package holds one project's settings, Celery app, task
declarations (names, decorators, task-level options) and call sites as that project writes them, with its
origin (repository, path, commit) in a header comment. Their unrelated code is not reproduced: task bodies
are empty. `tests/live/test_corpus.py` takes each through import-celery -> validate -> apply -> plan ->
inspect -> graph -> export and sends every task, beat entry and call site with Celery itself, once with the
ORIGINAL settings and once with the app configured from the imported file, comparing where each lands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Call:
    """A call site of the project: `send(app, task_id)` makes the call as the project writes it (apply_async,
    send_task, a signature), with `task_id` added so that the message can be found where it lands."""

    label: str
    where: str  # the project's file:line
    send: Callable[[Any, str], Any]


@dataclass(frozen=True)
class Project:
    name: str
    app: str  # as `celery -A` and `import-celery` take it, from the project's root
    patterns: tuple[str, ...]  # what it covers
    root: str | None = "src"  # the project's own root, under its folder (None: this repository's)
    env: tuple[tuple[str, str], ...] = ()  # what the project's deployment sets (DJANGO_SETTINGS_MODULE)

    @property
    def calls(self) -> str:
        """The module holding CALLS."""
        return f"tests.corpus.{self.name}.calls"


PROJECTS = (
    Project(
        "treeherder",
        "tests.corpus.treeherder.celery:app",
        ("django namespace", "shared binding keys", "call-site queues", "beat relative and options"),
        root=None,
    ),
    Project(
        "addons_server",
        "olympia.amo.celery:app",
        ("django namespace", "16 queues", "87 routes", "routes for Celery's own tasks", "custom Task class"),
        env=(("DJANGO_SETTINGS_MODULE", "olympia.lib.settings_base"),),
    ),
    Project(
        "taiga",
        "taiga.celery:app",
        ("django namespace", "old setting names under it", "topic default exchange", "beat schedule"),
    ),
    Project(
        "daiquiri",
        "config.celery:app",
        ("django namespace", "priorities (x-max-priority)", "call-site queues and priorities"),
    ),
    Project("dhaulagiri", "app:app", ("old setting names", "exchange-only route", "shared exchange")),
    Project(
        "celery_example",
        "celery_app:app",
        ("Broadcast", "queues created on the fly", "glob route", "beat", "call-site queue and priority"),
    ),
    Project(
        "salver",
        "opulence:App",
        ("router class by dotted path (route_for_task)", "queues created on the fly", "send_task"),
    ),
    Project(
        "priority_tasks",
        "celerytst.celery:app",
        ("task-level queue=", "x-max-priority", "task_queue_max_priority", "django namespace", "beat"),
    ),
)

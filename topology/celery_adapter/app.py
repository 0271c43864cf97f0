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

from topology.celery_adapter.importing.convert import task_options
from topology.celery_adapter.importing.read import module_file
from topology.language.loader import FILE_ENV
from topology.model import Destination

BUILTIN_PREFIX = "celery."


@dataclass(frozen=True)
class AppTasks:
    """The app's task names (Celery's own `celery.*` tasks included: routes may name them), or why not."""

    app: str
    names: frozenset[str] = frozenset()
    error: str | None = None
    sent_to: Mapping[str, Destination | str] = field(default_factory=dict)
    """Where the app's own router sends each of its own tasks, or why it cannot say."""
    module: str | None = None
    """The file that makes the app (where it is to be configured from routing.yaml), if known."""

    @property
    def own(self) -> list[str]:
        """The app's own tasks, sorted: what `routes` lists."""
        return sorted(n for n in self.names if not n.startswith(BUILTIN_PREFIX))


def app_tasks(app: str, topology_file: Path) -> AppTasks:
    """Import `app` (module, module:attribute, or package with .celery) configured from `topology_file`."""
    os.environ[FILE_ENV] = str(topology_file.resolve())  # the app loads routing.yaml: the same file
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        from celery.app.utils import find_app

        celery_app = find_app(app)
        celery_app.loader.import_default_modules()
        names = frozenset(celery_app.tasks.keys())
        sent_to = {name: _sent_to(celery_app, name) for name in sorted(names) if not name.startswith(BUILTIN_PREFIX)}
    except Exception as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return AppTasks(app, error=f"{type(error).__name__}: {reason}")
    except SystemExit as error:
        return AppTasks(app, error=f"the app exited while importing (code {error.code})")
    return AppTasks(app, names, sent_to=sent_to, module=module_file(app))


def _sent_to(celery_app: Any, name: str) -> Destination | str:
    """Where the app publishes task `name` (with its own options, as `Task.apply_async` gives them): its
    router's answer (`app.amqp.router.route`), then what Celery's
    task sender (``celery.app.amqp.AMQP._create_task_sender``) makes of it, default queue and anonymous
    exchange included."""
    amqp = celery_app.amqp
    try:
        task = celery_app.tasks.get(name)
        options = amqp.router.route(task_options(task), name, (), {}, task)  # the task's own options first
        queue = options.get("queue")
        if queue is None and options.get("exchange") is None:
            queue = amqp.default_queue
        if isinstance(queue, str):
            queue = amqp.queues[queue]
    except Exception as error:  # the user's router, or a queue it names that task_queues lacks
        return f"its router fails: {type(error).__name__}: {error}"
    exchange, routing_key = options.get("exchange"), options.get("routing_key")
    exchange = getattr(exchange, "name", exchange)
    exchange_type = options.get("exchange_type") or (queue.exchange.type if queue is not None else "direct")
    if (not exchange or not routing_key) and exchange_type == "direct":
        return Destination("", queue.name if queue is not None else "")
    if exchange is None:
        conf = celery_app.conf
        exchange = queue.exchange.name or conf.task_default_exchange
        routing_key = routing_key or queue.routing_key or conf.task_default_routing_key
    return Destination(str(exchange), str(routing_key or ""))

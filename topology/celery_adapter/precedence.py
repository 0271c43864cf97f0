"""Celery's routing precedence, kept exactly; only its default exchange is replaced by the file's bindings.

Celery picks a task's destination from the call's options, then the task's own (``@app.task(queue=...)``),
then ``task_routes``, then ``task_default_queue``, one option at a time (``celery.app.routes.Router.route``
merges the call's options over the route's). The generated routes therefore name only a queue, as a stock
app's do: a caller's `queue=` must replace the whole destination, and a route that also named an exchange
and a key would keep them and send the task to the route's queue instead (``Router.route`` merges per key).
Routes of the file that do name an exchange and a key keep them, as Celery does with such a route.

Celery's task sender then publishes a task bound for a queue on a direct exchange, unless an exchange and
a key are both named, through RabbitMQ's default exchange by the queue's name ("convert to anon-exchange",
``celery.app.amqp.AMQP._create_task_sender``). That bypasses the file's exchanges: their alternate exchange
(the unroutable net) and the bindings `validate` proved. The app's AMQP class replaces exactly that step:
such a task is published through the first of the queue's bindings that reaches that queue alone
(``topology.routing.queue_sends``), and lands where Celery would put it. Where every binding of the queue
also reaches others (or none can be published to), it keeps Celery's default exchange: the task must land
in that queue alone, and the publish stays confirmed and mandatory (a queue missing on the broker is an
error at the caller). Everything else (which queue, a named exchange and key, a queue on another type of
exchange) is Celery's own decision, untouched.

A queue named anywhere that the file does not declare is Celery's QueueNotFound at the caller, before
anything is published; its message names the file.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from celery import Celery
from celery.app.amqp import task_message
from celery.app.routes import Router
from celery.exceptions import QueueNotFound

from topology.celery_adapter.delays import DELAYS_SETTING, delayed_options
from topology.celery_adapter.publishing import ConfirmedAMQP
from topology.hints import APPLY
from topology.model import Delays, Destination, Queue, Topology
from topology.routing import OPTIONS, Named, TaskOptions, Through, queue_sends

SHOWN_QUEUES = 8
"""How many of the file's queues a QueueNotFound names."""
ROUTING_SETTING = "topology_routing"
"""The Celery setting (one of this project's own) that holds the file's routing for the app's task sender."""


class FileRouting:
    """The file's topology as the task sender consults it, with each answer kept: one per queue and task."""

    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        origin = topology.default_queue_origin
        self.file = origin.file if origin is not None else "routing.yaml"
        self._through: dict[tuple[str, str], tuple[str, str, str] | None] = {}

    def __repr__(self) -> str:  # `celery inspect conf` and `celery report` show settings by their repr
        return f"<FileRouting of {self.file}>"

    def binding_for(self, queue: str, task: str) -> tuple[str, str, str] | None:
        """The exchange, key and exchange type to publish `task` through instead of the default exchange by
        the name `queue`; None where Celery's default exchange stays (see the module's docstring)."""
        key = (queue, task)
        if key not in self._through:
            declared = self.topology.queue(queue)
            self._through[key] = self._binding(declared, task) if declared is not None else None
        return self._through[key]

    def _binding(self, queue: Queue, task: str) -> tuple[str, str, str] | None:
        destination, _, through = queue_sends(self.topology, queue, task)
        exchange = self.topology.exchange(destination.exchange)
        if through is not Through.BINDING or exchange is None:
            return None
        return destination.exchange, destination.routing_key, exchange.type.value

    def options(self, amqp: Any, task: str, options: Mapping[str, Any]) -> Mapping[str, Any]:
        """`options` as Celery's task sender gets them (routed), with its default-exchange step replaced.

        Celery's own test, step by step: no queue and no exchange is the default queue; the exchange type is
        the options' (a route to an exchange gives it), else the queue's exchange's; no exchange or no key on a
        direct exchange goes by name through the default exchange."""
        queue: Any = options.get("queue")
        exchange, routing_key = options.get("exchange"), options.get("routing_key")
        if queue is None and exchange is None:
            queue = amqp.default_queue
        if isinstance(queue, str):
            try:
                queue = amqp.queues[queue]
            except KeyError:  # Celery raises it in its turn, as it always does
                return options
        exchange_type = options.get("exchange_type")
        if exchange_type is None:
            try:
                exchange_type = queue.exchange.type
            except AttributeError:  # no queue, or one with no exchange
                exchange_type = "direct"
        if queue is None or (exchange and routing_key) or exchange_type != "direct":
            return options
        through = self.binding_for(queue.name, task)
        if through is None:
            return options
        exchange, routing_key, exchange_type = through
        return {**options, "exchange": exchange, "routing_key": routing_key, "exchange_type": exchange_type}


def use_file_routing(app: Celery, topology: Topology) -> None:
    """Make `app` publish as `FileRouting` says (its AMQP class is a `PrecedenceAMQP`: mandatory.use_mandatory)."""
    app.conf[ROUTING_SETTING] = FileRouting(topology)


class FileRouter(Router):  # type: ignore[misc]  # Celery's class is untyped
    """Celery's router, whose QueueNotFound names the file the queues come from and the fix."""

    def __init__(self, router: Router, routing: FileRouting) -> None:
        super().__init__(router.routes, router.queues, router.create_missing, app=router.app)
        self.routing = routing

    def expand_destination(self, route: Any) -> Any:
        name = route if isinstance(route, str) else route.get("queue")
        try:
            return super().expand_destination(route)
        except QueueNotFound:
            names = sorted(self.queues)
            declared = ", ".join(names[:SHOWN_QUEUES]) + (
                f" and {len(names) - SHOWN_QUEUES} more" if names[SHOWN_QUEUES:] else ""
            )
            raise QueueNotFound(
                f"Queue {name!r} missing from task_queues: {self.routing.file} declares no such queue (its queues: "
                f"{declared or 'none'}), and this app creates none on the fly (task_create_missing_queues is off). "
                f"Name one of them, or add the queue to {self.routing.file} and run `{APPLY}`"
            ) from None


class PrecedenceAMQP(ConfirmedAMQP):
    """Celery's AMQP with the file's routing: its router names the file, its task sender publishes through
    the file's bindings where Celery would use the default exchange, and a task due later into the delay
    ladder (`celery_adapter/delays.py`)."""

    @property
    def routing(self) -> FileRouting | None:
        routing = self.app.conf.get(ROUTING_SETTING)
        return routing if isinstance(routing, FileRouting) else None

    def Router(self, queues: Any = None, create_missing: Any = None) -> Router:  # noqa: N802 - Celery's name
        router = super().Router(queues, create_missing)
        routing = self.routing
        return router if routing is None else FileRouter(router, routing)

    def _create_task_sender(self) -> Callable[..., Any]:
        send = super()._create_task_sender()
        routing = self.routing
        if routing is None:
            return send

        def send_task_message(producer: Any, name: str, message: Any, **options: Any) -> Any:
            routed = routing.options(self, name, options)
            delays = self.app.conf.get(DELAYS_SETTING)
            if isinstance(delays, Delays) and message[1] is not None:
                routed = delayed_options(self, delays, message[0], message[1], routed) or routed
            return send(producer, name, message, **routed)

        return send_task_message


def task_options(task: Any) -> TaskOptions | None:
    """The destination `task` names itself, as `Task.apply_async` reads it (`_get_exec_options`: the options
    of ``@app.task(...)`` and the attributes of a Task class), and where; None when it names none."""
    options = task._get_exec_options()
    named = Named(*(_name_of(options.get(key)) for key in OPTIONS))
    return TaskOptions(named, _place(task, [key for key, _ in named.items()])) if named.items() else None


def _name_of(value: Any) -> str | None:
    """A kombu Queue or Exchange by its name; a name as it is."""
    return None if value is None else str(getattr(value, "name", value))


def _place(task: Any, keys: list[str]) -> str:
    """`path:line` of the code that names the task's destination: the line of a Task class that sets one of
    `keys`, else where the task's function starts (its decorator, which names them); "" if unknown."""
    try:
        for klass in type(task).__mro__:
            if any(key in vars(klass) for key in keys) and klass.__module__ != "celery.app.task":
                lines, first = inspect.getsourcelines(klass)
                assigned = next((i for i, line in enumerate(lines) if _assigns(line, keys)), 0)
                return f"{_shown_path(inspect.getsourcefile(klass))}:{first + assigned}"
    except (OSError, TypeError):  # a class made by @app.task has no source of its own: its function has
        pass
    try:
        run = inspect.unwrap(task.run)
        return f"{_shown_path(inspect.getsourcefile(run))}:{inspect.getsourcelines(run)[1]}"
    except (OSError, TypeError):
        return ""


def _assigns(line: str, keys: list[str]) -> bool:
    return any(line.strip().startswith(key) and line.strip()[len(key) :].lstrip()[:1] in ("=", ":") for key in keys)


def _shown_path(path: str | None) -> str:
    if path is None:
        raise TypeError("no source file")
    absolute = Path(path).resolve()
    return str(absolute.relative_to(Path.cwd())) if absolute.is_relative_to(Path.cwd()) else str(absolute)


class _Recorder:
    """A producer that keeps what Celery would publish instead of publishing it."""

    channel = None  # nothing is published, so nothing can come back

    def __init__(self) -> None:
        self.published: dict[str, Any] = {}

    def publish(self, body: object, **options: Any) -> None:
        self.published = options


def sent_to(app: Celery, task: str, options: Mapping[str, Any] | None = None) -> Destination:
    """Where `app` publishes `task` called with `options`: its router (given the task, as `Celery.send_task`
    gives it: a router may read it), then its task sender."""
    return published(app, task, app.amqp.router.route(dict(options or {}), task, (), {}, app.tasks.get(task)))


def published(app: Celery, task: str, routed: Mapping[str, Any]) -> Destination:
    """Where `app`'s task sender (ours, when the app is configured from the file) publishes `task` sent with
    these (routed) options, asked through a producer that publishes nothing."""
    recorder = _Recorder()
    app.amqp.send_task_message(recorder, task, task_message({}, {}, None, None), **dict(routed))
    exchange = recorder.published["exchange"]
    return Destination(str(getattr(exchange, "name", exchange) or ""), str(recorder.published["routing_key"] or ""))

"""An existing Celery configuration converted to a Topology: what `import-celery` writes as routing.yaml.

Celery does the reading wherever it can, so that the file reproduces what Celery does rather than what
its documentation says: ``app.amqp.Queues`` normalises task_queues (old and new setting names, lists,
tuples, sets, dicts; the default exchange and routing key filled in; the implicit `celery` queue when
none is declared), ``celery.app.routes.prepare`` reads task_routes, and where each route publishes is
what ``app.amqp.send_task_message`` computes (`read.celery_destination`). That is also where the
differences with routing.yaml show (`audit`): Celery sends a task routed to a queue on a direct exchange
through RabbitMQ's default exchange, straight to the queue, bypassing the binding.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from celery import Celery, _state
from celery.app.routes import MapRoute, prepare
from celery.app.task import extract_exec_options
from celery.schedules import crontab
from celery.utils.functional import maybe_evaluate
from kombu import Exchange as KombuExchange
from kombu import Queue as KombuQueue
from kombu.common import Broadcast
from kombu.transport.base import to_rabbitmq_queue_arguments

from topology.celery_adapter.hazards import Hazard, version_hazards
from topology.celery_adapter.importing.audit import (
    Finding,
    Notes,
    Record,
    bypasses,
    unknown_settings,
    unreached,
    unslashed,
)
from topology.celery_adapter.importing.read import (
    CannotImport,
    Sources,
    celery_destination,
    code_place,
    import_error,
    load_celery,
    module_file,
)
from topology.checks.versions import VersionRules
from topology.codes import Code
from topology.language.cron import cron_fields
from topology.model import (
    Binding,
    BindingArguments,
    Destination,
    Exchange,
    ExchangeType,
    PatternKind,
    Queue,
    QueueType,
    Route,
    ScheduleEntry,
    Topology,
)
from topology.model import binding_arguments as binding_arguments_of
from topology.routing import route_destination, route_for, sends_by

ROUTE_OPTIONS = frozenset({"queue", "exchange", "routing_key", "exchange_type", "priority"})
SCHEDULE_OPTIONS = frozenset({"queue", "priority", "expires"})


@dataclass(frozen=True)
class Imported:
    topology: Topology
    registered: frozenset[str]  # the app's task names, Celery's own included
    findings: tuple[Finding, ...]
    notes: Notes  # comments for the written file, by (section, entry)
    is_app: bool  # MODULE was a Celery app (else a config module)
    module_file: str | None = None  # the file that makes the app, where it is to be configured
    hazards: tuple[Hazard, ...] = ()  # what RabbitMQ of the target series refuses or changes for the app as it is


def import_celery(module: str, namespace: str | None = None, rules: VersionRules | None = None) -> Imported:
    """MODULE's Celery routing as a Topology; with `rules`, also what RabbitMQ of that series refuses or
    changes for the app as it stands (`hazards.version_hazards`), until it is configured from the file."""
    app, is_app, sources = load_celery(module, namespace)
    try:
        with _as_current(app):  # routers read `current_app`, as they do when Celery asks them
            imported = convert(app, is_app, sources)
        hazards = version_hazards(app, rules) if rules is not None else ()
    except Exception as error:  # settings Celery itself cannot use (it would fail on the first task sent)
        raise CannotImport(import_error(module, error, "Celery cannot use the settings of")) from None
    return replace(imported, module_file=module_file(module), hazards=hazards)


@contextmanager
def _as_current(app: Celery) -> Iterator[None]:
    """`app` as Celery's current app while its routers run, then whatever was current before."""
    previous = getattr(_state._tls, "current_app", None)
    app.set_current()
    try:
        yield
    finally:
        _state._set_current_app(previous)


def convert(app: Celery, is_app: bool, sources: Sources | None = None) -> Imported:
    record = Record(sources or Sources())
    state = _Converter(app, record, {queue_name(q) for q in app.amqp.Queues(app.conf.task_queues or ()).values()})
    conf = app.conf
    registered = frozenset(app.tasks.keys())
    unknown_settings(app, record)
    declared = conf.task_queues
    queues = app.amqp.Queues(declared, create_missing=False)
    if not declared:
        record.note(
            "queues",
            conf.task_default_queue,
            "Celery's implicit queue: none is declared (task_queues), so Celery makes this one",
        )
    for kombu_queue in queues.values():
        state.add_queue(kombu_queue)
    default_queue = conf.task_default_queue
    if default_queue not in queues:
        where = record.sources.where("task_default_queue", "CELERY_DEFAULT_QUEUE")
        record.finding(
            Code.DEFAULT_QUEUE_UNDECLARED,
            f"the default queue {default_queue!r} is not in task_queues: Celery creates it on the fly "
            "(written here as Celery would declare it)",
            where,
        )
        state.add_queue(app.amqp.queues.new_missing(default_queue))
    routes = state.routes(registered)
    routes = state.task_level(routes, registered, default_queue)
    schedule = state.schedule(registered)
    state.own_keys()
    topology = Topology(
        exchanges=tuple(state.exchanges.values()),
        queues=tuple(state.queues.values()),
        default_queue=default_queue,
        routes=tuple(routes),
        schedule=tuple(schedule),
        app=None,
    )
    topology = replace(topology, routes=tuple(state.by_queue(topology)))
    bypasses(app, topology, state.route_of, registered, record)
    unreached(topology, record)
    return Imported(topology, registered, tuple(record.findings), record.notes, is_app)


@dataclass
class _Converter:
    app: Celery
    record: Record
    declared: set[str]  # the queues of task_queues (any other is one Celery creates on the fly)
    exchanges: dict[str, Exchange] = field(default_factory=dict)
    queues: dict[str, Queue] = field(default_factory=dict)
    route_of: dict[str, dict[str, Any]] = field(default_factory=dict)  # each route's Celery options, by pattern
    queue_of: dict[str, str] = field(default_factory=dict)  # the queue a route to an exchange names, by pattern

    def finding(self, code: Code, message: str, where: str | None = None) -> None:
        self.record.finding(code, message, where)

    def note(self, section: str, name: str, line: str) -> None:
        self.record.note(section, name, line)

    @property
    def sources(self) -> Sources:
        return self.record.sources

    # --- queues and exchanges ---

    def add_queue(self, kombu_queue: KombuQueue) -> None:
        if queue_name(kombu_queue) in self.queues:
            return
        if isinstance(kombu_queue, Broadcast):
            self._add_broadcast(kombu_queue)
            return
        arguments = to_rabbitmq_queue_arguments(
            dict(kombu_queue.queue_arguments or {}),
            expires=kombu_queue.expires,
            message_ttl=kombu_queue.message_ttl,
            max_length=kombu_queue.max_length,
            max_length_bytes=kombu_queue.max_length_bytes,
            max_priority=kombu_queue.max_priority,
        )
        queue_type = str(arguments.pop("x-queue-type", "classic"))
        if kombu_queue.exclusive:
            self.note("queues", kombu_queue.name, "exclusive in Celery's settings: routing.yaml declares shared queues")
        bindings = self._bindings(kombu_queue)
        try:
            kind = QueueType(queue_type)
        except ValueError:
            kind = QueueType.CLASSIC
            self.note("queues", kombu_queue.name, f"x-queue-type {queue_type!r} is not one routing.yaml declares")
        self.queues[kombu_queue.name] = Queue(
            kombu_queue.name,
            kind,
            bool(kombu_queue.durable),
            bool(kombu_queue.auto_delete),
            arguments,
            bindings,
        )

    def _bindings(self, kombu_queue: KombuQueue) -> tuple[Binding, ...]:
        pairs = (
            [(b.exchange, b.routing_key, b.arguments) for b in kombu_queue.bindings]
            if kombu_queue.bindings
            else [(kombu_queue.exchange, kombu_queue.routing_key, kombu_queue.binding_arguments)]
        )
        bindings: dict[tuple[str, str, BindingArguments], Binding] = {}
        for exchange, routing_key, binding_arguments in sorted(pairs, key=lambda p: (_name(p[0]), p[1] or "")):
            if exchange is None or not _name(exchange):
                continue  # RabbitMQ's default exchange: every queue is bound to it by its name
            self.add_exchange(exchange)
            table = dict(binding_arguments or {})
            key = (_name(exchange), routing_key or "", binding_arguments_of(table))
            bindings.setdefault(key, Binding(key[0], key[1], table))
        return tuple(bindings.values())

    def _add_broadcast(self, kombu_queue: Broadcast) -> None:
        """kombu's Broadcast: Celery names it `bcast.<uuid>`, new in every process; routes and `-Q` know it by
        its alias, which the file keeps (a broadcast queue is declared by each worker, not by apply)."""
        name = queue_name(kombu_queue)
        self.note(
            "queues",
            name,
            "kombu's Broadcast: each worker consuming it declares a queue of its own; every worker gets every task",
        )
        self.queues[name] = Queue(name, bindings=self._bindings(kombu_queue), broadcast=True)

    def add_exchange(self, kombu_exchange: KombuExchange | str, exchange_type: str = "direct") -> Exchange:
        if isinstance(kombu_exchange, str):
            kombu_exchange = KombuExchange(kombu_exchange, exchange_type)
        name = kombu_exchange.name
        kind = _exchange_type(kombu_exchange.type)
        if kind is None:
            self.note("exchanges", name, f"type {kombu_exchange.type!r} is not one routing.yaml declares: direct here")
        exchange = Exchange(
            name,
            kind or ExchangeType.DIRECT,
            bool(kombu_exchange.durable),
            bool(kombu_exchange.auto_delete),
            bool(getattr(kombu_exchange, "internal", False)),
            dict(kombu_exchange.arguments or {}),
        )
        known = self.exchanges.setdefault(name, exchange)
        if known.declared() != exchange.declared() or known.arguments != exchange.arguments:
            self.finding(
                Code.EXCHANGE_DECLARED_DIFFERENTLY,
                f"exchange {name!r} is declared twice, differently ({known.type.value} and {exchange.type.value}, "
                "or other flags): RabbitMQ refuses the second declare; the first is written",
                self.sources.where(name),
            )
        return known

    # --- routes ---

    def routes(self, registered: frozenset[str]) -> list[Route]:
        """task_routes as routing.yaml routes, in the order Celery tries them (see `_flatten`)."""
        routers = prepare(self.app.conf.task_routes)
        routes: list[Route] = []
        for router in routers:
            if isinstance(router, MapRoute):
                routes.extend(self._map_routes(router, routes, registered))
            else:
                routes.extend(self._router_function(router, routes, registered))
        return routes

    def _map_routes(self, router: MapRoute, earlier: list[Route], registered: frozenset[str]) -> Iterable[Route]:
        originals = _glob_keys(self.app.conf.task_routes)
        for name, options in router.map.items():
            if any(r.matches(name) for r in earlier):
                self.note("routes", name, "never used: an earlier router in task_routes takes this task")
                continue
            self.record.check_task_name(name, registered)
            route = self._route(name, _as_options(options))
            if route is not None:
                yield route
        for regex, options in router.patterns.items():
            glob = originals.get(regex.pattern)
            pattern = glob if glob is not None and _plain_glob(glob) else f"/{regex.pattern}/"
            if glob is not None and pattern != glob:
                self.note("routes", pattern, f"the glob {glob!r}, as Celery reads it (fnmatch)")
            matched = [n for n in registered if regex.match(n)]
            if not matched:
                self.finding(
                    Code.ROUTE_MATCHES_NO_TASK,
                    f"route {glob or regex.pattern!r} matches no task the app registers",
                    self.sources.where(glob or regex.pattern),
                )
            route = self._route(pattern, _as_options(options))
            if route is not None:
                yield route

    def _router_function(self, router: Any, earlier: list[Route], registered: frozenset[str]) -> Iterable[Route]:
        """A router function cannot be written as routes: what it answers for each registered task can."""
        try:
            resolved = maybe_evaluate(router)  # a dotted path in task_routes is imported on first use
        except Exception as error:
            self.finding(Code.ROUTER_NOT_CONVERTIBLE, f"router {router!r} does not load: {error}")
            return
        self.sources.add(resolved)
        label = _router_label(resolved)
        where = code_place(resolved)
        self.finding(
            Code.ROUTER_NOT_CONVERTIBLE,
            f"router function {label} cannot be written as routes: routing.yaml gets one exact route for each "
            "task the app registers that it routes (as it answers for no arguments); check them",
            where,
        )
        query = self.app.amqp.router.query_router
        for name in sorted(registered):
            if any(r.matches(name) for r in earlier):
                continue
            task = self.app.tasks.get(name)
            try:  # as Celery asks it: with the task's own options and the task itself
                answer = query(resolved, name, (), {}, exec_options(task), task)
            except Exception as error:
                self.finding(Code.ROUTER_FAILED, f"router function {label} raised for {name!r}: {error}", where)
                continue
            if answer is None:
                continue
            route = self._route(name, _as_options(answer))
            if route is not None:
                self.note("routes", name, f"from router function {label}")
                yield route

    def _route(self, pattern: str, options: dict[str, Any]) -> Route | None:
        self.queue_of.pop(pattern, None)  # a task-level route replaces the route of the same name
        ignored = sorted(set(options) - ROUTE_OPTIONS)
        if ignored:
            self.note("routes", pattern, f"not written (routing.yaml routes by destination): {', '.join(ignored)}")
        queue = options.get("queue")
        named = queue_name(queue) if isinstance(queue, KombuQueue) else queue
        if isinstance(queue, KombuQueue):
            if named not in self.declared and named not in self.queues:
                self.finding(
                    Code.QUEUE_CREATED_ON_THE_FLY,
                    f"route {pattern!r} names queue {named!r}, not in task_queues: Celery creates it on the fly "
                    "(written here as Celery would declare it)",
                    self.sources.where(unslashed(pattern)),
                )
            self.add_queue(queue)
        elif isinstance(named, str) and named not in self.queues:
            if not self.app.conf.task_create_missing_queues:
                self.finding(
                    Code.ROUTE_TO_UNDECLARED_QUEUE,
                    f"route {pattern!r} names queue {named!r}, not in task_queues: Celery raises QueueNotFound",
                    self.sources.where(unslashed(pattern)),
                )
                return None
            self.finding(
                Code.QUEUE_CREATED_ON_THE_FLY,
                f"route {pattern!r} names queue {named!r}, not in task_queues: Celery creates it on the fly "
                "(written here as Celery would declare it)",
                self.sources.where(unslashed(pattern)),
            )
            self.add_queue(self.app.amqp.queues.new_missing(named))
        expanded = self.app.amqp.router.expand_destination(dict(options))
        destination = celery_destination(self.app, expanded)
        priority = options.get("priority")
        priority = priority if isinstance(priority, int) and 0 <= priority <= 255 else None
        self.route_of[pattern] = expanded
        if destination.exchange == "" and not destination.routing_key:
            self.record.finding(
                Code.ROUTE_DROPS_TASKS,
                f"route {pattern!r} names exchange {options.get('exchange')!r} without a routing key: Celery "
                "publishes its tasks to RabbitMQ's default exchange with an empty key, which drops them; not "
                "written (they go to the default queue): give the route a routing_key or a queue",
                self.sources.where(unslashed(pattern)),
                pattern,
            )
            return None
        if destination.exchange == "":
            target = destination.routing_key
            if target not in self.queues:
                self.finding(
                    Code.ROUTE_TO_NOTHING,
                    f"route {pattern!r} publishes to RabbitMQ's default exchange with key {target!r}, "
                    "which names no queue: its tasks are dropped",
                    self.sources.where(unslashed(pattern)),
                )
            return Route(pattern, queue=target, priority=priority)
        if destination.exchange not in self.exchanges:
            self.add_exchange(destination.exchange, str(options.get("exchange_type") or "direct"))
            self.note("exchanges", destination.exchange, "named by a route, declared by no queue")
        if isinstance(named, str) and named in self.queues and not options.get("exchange"):
            self.queue_of[pattern] = named  # a route naming its exchange keeps it over a caller's queue=: not this
        return Route(pattern, exchange=destination.exchange, routing_key=destination.routing_key, priority=priority)

    def by_queue(self, topology: Topology) -> Iterator[Route]:
        """`topology`'s routes, with each route that names a queue and no exchange (Celery publishes it to the
        queue's exchange: one that is not direct) written by that queue, where the app configured from the file
        publishes a route to that queue exactly there (`routing.sends_by`, over the file's final bindings, own
        keys included): a caller's queue= then replaces the whole destination, as it does in Celery. A route
        that names its exchange stays a route to it: Celery keeps the route's exchange and key over a caller's
        queue=."""
        for route in topology.routes:
            queue = self.queue_of.get(route.pattern)
            if queue is not None and route.exchange is not None:
                by_queue = Route(route.pattern, queue=queue, priority=route.priority)
                task = route.pattern if route.kind is PatternKind.EXACT else None
                sending = sends_by(topology, task, by_queue)
                if sending.refused is None and sending.destination == Destination(route.exchange, route.routing_key):
                    route = by_queue
            yield route

    def task_level(self, routes: list[Route], registered: frozenset[str], default_queue: str) -> list[Route]:
        """Tasks whose own options (`@app.task(queue=...)`, a Task class's attributes) send them elsewhere than
        task_routes: Celery merges them over the route, so each such task gets an exact route of its own, to
        where Celery sends it."""
        by_pattern = {route.pattern: route for route in routes}
        for name in sorted(registered):
            task = self.app.tasks.get(name)
            own = exec_options(task)
            if not own.keys() & {"queue", "exchange", "routing_key"}:
                continue
            interim = Topology(
                tuple(self.exchanges.values()), tuple(self.queues.values()), default_queue, tuple(routes)
            )
            ours = route_destination(interim, route_for(interim, name), name)
            try:
                options = self.app.amqp.router.route(dict(own), name, (), {}, task)
            except Exception as error:  # a queue Celery cannot find: it raises at every send
                self.finding(Code.ROUTE_TO_UNDECLARED_QUEUE, f"task {name!r}: {error}", _task_place(task))
                continue
            if celery_destination(self.app, options, name) == ours:
                continue
            shown = ", ".join(f"{key}={own[key]!r}" for key in ("queue", "exchange", "routing_key") if key in own)
            route = self._route(name, {k: v for k, v in options.items() if k in ROUTE_OPTIONS})
            if route is None:
                continue
            self.note("routes", name, f"from the task's own options ({shown}), which Celery puts before task_routes")
            by_pattern[name] = route
            routes = [route if r.pattern == name else r for r in routes] if name in by_pattern else routes
            if route not in routes:
                routes.append(route)
        return routes

    def own_keys(self) -> None:
        """Queues bound to one direct exchange with the same key: a task published with that key lands in
        each of them, and Celery does the same. Celery sends a task routed to one of them by name (a route, a
        caller's queue=) through RabbitMQ's default exchange, to that queue alone; the app configured from the
        file does so through a binding that reaches that queue alone (`routing.queue_sends`), and such a queue
        has none: each gets a binding of its own key first, so that its tasks stay on the file's exchanges
        (their nets) instead of the default exchange."""
        shared: dict[tuple[str, str], list[str]] = {}
        for queue in self.queues.values():
            for binding in queue.bindings:
                declared = self.exchanges.get(binding.exchange)
                if declared is not None and declared.type is ExchangeType.DIRECT and not binding.arguments:
                    shared.setdefault((binding.exchange, binding.routing_key), []).append(queue.name)
        taken = set(shared)
        for (exchange, key), names in shared.items():
            if len(names) < 2:
                continue
            self.finding(
                Code.SHARED_BINDING_KEY,
                f"queues {', '.join(map(repr, names))} are bound to exchange {exchange!r} with the same key {key!r}: "
                "a task published with that key lands in each of them, once (Celery does the same); a task sent "
                "to one of them by name lands in that one alone, so each is written with a binding of its own "
                "key first",
                self.sources.where(key),
            )
            for name in names:
                key = next(k for k in (name, f"{name}.queue", f"queue.{name}") if (exchange, k) not in taken)
                taken.add((exchange, key))
                queue = self.queues[name]
                self.queues[name] = replace(queue, bindings=(Binding(exchange, key), *queue.bindings))
                self.note("queues", name, f"first key {key!r}: its own on {exchange!r}, as Celery sends it by name")

    # --- the beat schedule ---

    def schedule(self, registered: frozenset[str]) -> list[ScheduleEntry]:
        entries = []
        for name, entry in dict(self.app.conf.beat_schedule or {}).items():
            task = str(entry.get("task", ""))
            if task not in registered:
                self.record.check_task_name(task, registered, f"schedule entry {name!r}")
                self.note("schedule", name, f"left out: task {task!r} is not registered, no worker would run it")
                continue
            timing = _timing(entry.get("schedule"))
            if timing is None:
                self.note("schedule", name, f"left out: its schedule {entry.get('schedule')!r} is not every/cron")
                self.finding(
                    Code.SCHEDULE_NOT_CONVERTIBLE,
                    f"schedule entry {name!r}: {entry.get('schedule')!r} is neither seconds nor a crontab",
                    self.sources.where(name),
                )
                continue
            options = dict(entry.get("options") or {})
            ignored = sorted(set(options) - SCHEDULE_OPTIONS)
            if ignored:
                self.note("schedule", name, f"not written: options {', '.join(ignored)}")
            if set(ignored) & {"exchange", "routing_key"}:
                self.finding(
                    Code.SCHEDULE_NOT_CONVERTIBLE,
                    f"schedule entry {name!r} names an exchange or routing key in its options: routing.yaml "
                    "sends a schedule entry by its queue or the task's route",
                    self.sources.where(name),
                )
            queue = options.get("queue")
            kept = tuple((k, options[k]) for k in ("priority", "expires") if _option_kept(k, options.get(k)))
            relative = bool(entry.get("relative"))
            if relative and isinstance(timing, str):
                self.note("schedule", name, "relative: Celery ignores it on a crontab (it rounds intervals only)")
            entries.append(
                ScheduleEntry(
                    name,
                    task,
                    every=timing if isinstance(timing, float) else None,
                    cron=timing if isinstance(timing, str) else None,
                    args=tuple(entry.get("args") or ()),
                    kwargs=tuple(dict(entry.get("kwargs") or {}).items()),
                    queue=queue_name(queue) if isinstance(queue, KombuQueue) else queue,
                    options=kept,
                    relative=relative and isinstance(timing, float),
                )
            )
        return entries


def _task_place(task: Any) -> str | None:
    run = getattr(task, "run", None)
    return code_place(run) if callable(run) else None


def exec_options(task: Any) -> dict[str, Any]:
    """A task's own publish options (`@app.task(queue=...)`, class attributes), as `Task.apply_async` gives
    them to Celery's router: they win over task_routes, as a caller's options do."""
    if task is None:
        return {}
    return {key: value for key, value in extract_exec_options(task).items() if value is not None}


def _option_kept(option: str, value: Any) -> bool:
    """Priority as a whole number; expires as seconds (a date is one moment, not a schedule's option)."""
    if option == "priority":
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 255
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _timing(schedule: Any) -> float | str | None:
    """A number or timedelta as seconds, a crontab as its five fields; None for anything else (solar...)."""
    if isinstance(schedule, (int, float)) and not isinstance(schedule, bool) and schedule > 0:
        return float(schedule)
    if isinstance(schedule, timedelta) and schedule.total_seconds() > 0:
        return schedule.total_seconds()
    run_every = getattr(schedule, "run_every", None)
    if type(schedule).__name__ == "schedule" and isinstance(run_every, timedelta):
        return run_every.total_seconds()
    if isinstance(schedule, crontab):
        parts = (
            schedule._orig_minute,
            schedule._orig_hour,
            schedule._orig_day_of_month,
            schedule._orig_month_of_year,
            schedule._orig_day_of_week,
        )
        line = " ".join(_cron_part(p) for p in parts)
        try:
            cron_fields(line)
        except ValueError:
            return None
        return line
    return None


def _cron_part(part: Any) -> str:
    if isinstance(part, (set, frozenset, list, tuple, range)):
        return ",".join(str(p) for p in sorted(part))
    return str(part).replace(" ", "")


def queue_name(queue: KombuQueue) -> str:
    """The name routes and `-Q` give a queue: a Broadcast's alias (its own name is new in every process)."""
    if isinstance(queue, Broadcast) and queue.alias:
        return str(queue.alias)
    return str(queue.name)


def _router_label(router: Any) -> str:
    """A router function's name, or a router object's class: never a repr with its address."""
    if inspect.isfunction(router) or inspect.ismethod(router) or inspect.isclass(router):
        return f"{router.__module__}.{router.__qualname__}"
    return f"{type(router).__module__}.{type(router).__qualname__}"


def _exchange_type(name: str) -> ExchangeType | None:
    try:
        return ExchangeType(name or "direct")
    except ValueError:
        return None


def _name(exchange: KombuExchange | str | None) -> str:
    if exchange is None:
        return ""
    return exchange if isinstance(exchange, str) else str(exchange.name or "")


def _as_options(value: Any) -> dict[str, Any]:
    if isinstance(value, (str, KombuQueue)):
        return {"queue": value}
    return dict(value)


def _glob_keys(task_routes: Any) -> dict[str, str]:
    """Each glob route's regex (as Celery compiles it) -> the glob written."""
    import fnmatch

    found: dict[str, str] = {}
    for router in task_routes if isinstance(task_routes, (list, tuple)) else [task_routes]:
        items = router.items() if isinstance(router, Mapping) else router if isinstance(router, (list, tuple)) else ()
        for item in items:
            key = item[0] if isinstance(item, tuple) and len(item) == 2 else None
            if isinstance(key, str) and "*" in key:
                found[fnmatch.translate(key)] = key
    return found


def _plain_glob(glob: str) -> bool:
    """A glob routing.yaml reads as Celery does: '*' only at the end, none of fnmatch's other wildcards."""
    return "*" not in glob[:-1] and glob.endswith("*") and not any(c in glob for c in "?[]")

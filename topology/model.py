"""The desired topology: exchanges, queues, bindings, Celery routes and the beat schedule.

Pure data (frozen dataclasses, no I/O). Every object may carry the place in routing.yaml it
came from, so that checks made anywhere later can still point the user at a line.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any

Arguments = Mapping[str, Any]
"""An AMQP field table: x-arguments of a queue or exchange, or the header arguments of a binding."""


@dataclass(frozen=True)
class Origin:
    """A place in a source file (1-based line and column)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Severity(str, Enum):
    ERROR = "error"  # tasks would be lost, or RabbitMQ would refuse: nothing may be applied
    WARNING = "warning"  # legal, but probably not what was meant


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a topology file, reported with its place."""

    message: str
    origin: Origin | None = None
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        label = "warning: " if self.severity is Severity.WARNING else ""
        return f"{self.origin}: {label}{self.message}" if self.origin else f"{label}{self.message}"


class ExchangeType(str, Enum):
    DIRECT = "direct"
    TOPIC = "topic"
    FANOUT = "fanout"
    HEADERS = "headers"
    DELAYED_MESSAGE = "x-delayed-message"
    CONSISTENT_HASH = "x-consistent-hash"

    @property
    def plugin(self) -> str | None:
        """The RabbitMQ plugin that provides this type, for types that are not built in."""
        return _PLUGINS.get(self)


_PLUGINS = {
    ExchangeType.DELAYED_MESSAGE: "rabbitmq_delayed_message_exchange",
    ExchangeType.CONSISTENT_HASH: "rabbitmq_consistent_hash_exchange",
}

ALTERNATE_EXCHANGE = "alternate-exchange"
DELAYED_TYPE = "x-delayed-type"
DEAD_LETTER_EXCHANGE = "x-dead-letter-exchange"
DEAD_LETTER_ROUTING_KEY = "x-dead-letter-routing-key"
MATCH = "x-match"
OWNER_ARGUMENT = "x-topology-owner"
"""Marks what `apply` created: RabbitMQ ignores unknown x-arguments in its equivalence checks and headers
exchanges ignore x- keys when matching, so the marker changes no behaviour; `--prune` deletes only marked objects."""
DEFAULT_OWNER = "topology"


class QueueType(str, Enum):
    CLASSIC = "classic"
    QUORUM = "quorum"
    STREAM = "stream"


@dataclass(frozen=True)
class Binding:
    """Messages published to `exchange` that match `routing_key` (or, on headers exchanges, the header
    `arguments`) pass to the queue or exchange holding this binding."""

    exchange: str
    routing_key: str = ""
    arguments: Arguments = field(default_factory=dict)
    origin: Origin | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Exchange:
    """An exchange. `arguments` is the full table sent on declare (alternate-exchange, x-delayed-type
    included); `bindings` are exchange-to-exchange bindings that feed this exchange from others."""

    name: str
    type: ExchangeType = ExchangeType.DIRECT
    durable: bool = True
    auto_delete: bool = False
    internal: bool = False
    arguments: Arguments = field(default_factory=dict)
    bindings: tuple[Binding, ...] = ()
    origin: Origin | None = field(default=None, compare=False)
    origins: Mapping[str, Origin] = field(default_factory=dict, compare=False)

    @property
    def alternate_exchange(self) -> str | None:
        value = self.arguments.get(ALTERNATE_EXCHANGE)
        return value if isinstance(value, str) else None

    @property
    def routing_type(self) -> ExchangeType | None:
        """How this exchange matches bindings: a delayed-message exchange routes as its x-delayed-type."""
        if self.type is not ExchangeType.DELAYED_MESSAGE:
            return self.type
        delayed = self.arguments.get(DELAYED_TYPE)
        return next((t for t in ExchangeType if t.value == delayed), None)


@dataclass(frozen=True)
class Queue:
    """A queue. `arguments` is the full x-argument table sent on declare, named options included
    (x-queue-type excepted: that is `type`); `origins` says where each setting and x-argument was written."""

    name: str
    type: QueueType = QueueType.CLASSIC
    durable: bool = True
    auto_delete: bool = False
    arguments: Arguments = field(default_factory=dict)
    bindings: tuple[Binding, ...] = ()
    origin: Origin | None = field(default=None, compare=False)
    origins: Mapping[str, Origin] = field(default_factory=dict, compare=False)

    def declare_arguments(self) -> dict[str, Any]:
        """What goes on the wire: classic is RabbitMQ's default, so it is not spelled out."""
        typed = {} if self.type is QueueType.CLASSIC else {"x-queue-type": self.type.value}
        return {**self.arguments, **typed}


@dataclass(frozen=True)
class Destination:
    """Where a message is published: an exchange ('' is RabbitMQ's default exchange) and a key."""

    exchange: str
    routing_key: str


class PatternKind(str, Enum):
    EXACT = "exact"
    GLOB = "glob"  # has a '*', as Celery's task_routes: then '?' and '[...]' are wildcards too
    REGEX = "regex"  # written /.../ in routing.yaml, as re.compile() keys in task_routes


@dataclass(frozen=True)
class Route:
    """A Celery task route: tasks whose name matches `pattern` go to a queue or to an exchange.

    Exactly one of `queue` or `exchange` is set; `routing_key` goes with `exchange`. Matching is
    ``celery.app.routes.MapRoute``'s: a pattern without '*' is an exact name (even with '?' or '['),
    exact names are looked up first, then globs and regexes are tried in file order with ``re.match``;
    a glob is compiled from ``fnmatch.translate`` (anchored at both ends), a /regex/ as written
    (anchored at the start only). `origins` says where the route's settings (routing_key, ...) were written.
    """

    pattern: str
    queue: str | None = None
    exchange: str | None = None
    routing_key: str = ""
    priority: int | None = None
    origin: Origin | None = field(default=None, compare=False)
    origins: Mapping[str, Origin] = field(default_factory=dict, compare=False)

    @cached_property
    def kind(self) -> PatternKind:
        if len(self.pattern) > 1 and self.pattern.startswith("/") and self.pattern.endswith("/"):
            return PatternKind.REGEX
        return PatternKind.GLOB if "*" in self.pattern else PatternKind.EXACT

    @cached_property
    def regex(self) -> re.Pattern[str] | None:
        """The compiled pattern Celery tries for globs and regexes; None for exact names."""
        if self.kind is PatternKind.REGEX:
            return re.compile(self.pattern[1:-1])
        if self.kind is PatternKind.GLOB:
            return re.compile(fnmatch.translate(self.pattern))
        return None

    def matches(self, task_name: str) -> bool:
        regex = self.regex
        return task_name == self.pattern if regex is None else regex.match(task_name) is not None


_GLOB_SPECIAL = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class PatternIndex:
    """Pattern routes grouped by the literal text a matching name must start with (a glob's text up to
    its first wildcard), so that a name is tried only against routes that could match it, not all of them.

    Regex routes, and globs that start with a wildcard, have no such text: they are tried for every name."""

    by_prefix: Mapping[str, tuple[int, ...]]
    everywhere: tuple[int, ...]
    lengths: tuple[int, ...]
    routes: tuple[Route, ...]

    @classmethod
    def of(cls, routes: tuple[Route, ...]) -> PatternIndex:
        by_prefix: dict[str, list[int]] = {}
        everywhere: list[int] = []
        for order, route in enumerate(routes):
            prefix = _GLOB_SPECIAL.split(route.pattern, 1)[0] if route.kind is PatternKind.GLOB else ""
            (by_prefix.setdefault(prefix, []) if prefix else everywhere).append(order)
        lengths = tuple(sorted({len(prefix) for prefix in by_prefix}))
        return cls({p: tuple(found) for p, found in by_prefix.items()}, tuple(everywhere), lengths, routes)

    def candidates(self, task_name: str) -> list[Route]:
        """The routes that may match `task_name`, in the order Celery tries them."""
        orders = [*self.everywhere]
        for length in self.lengths:
            if length > len(task_name):
                break
            orders.extend(self.by_prefix.get(task_name[:length], ()))
        return [self.routes[order] for order in sorted(orders)]

    def first_match(self, task_name: str) -> Route | None:
        return next((route for route in self.candidates(task_name) if route.matches(task_name)), None)


@dataclass(frozen=True)
class ScheduleEntry:
    """A celery beat entry: send `task` every `every` seconds or on `cron`, with publish `options`."""

    name: str
    task: str
    every: float | None = None
    cron: str | None = None
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    queue: str | None = None
    options: tuple[tuple[str, Any], ...] = ()
    origin: Origin | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Policy:
    """A RabbitMQ policy: settings RabbitMQ may change on live queues (an x-argument never changes).

    `definition` holds RabbitMQ's own keys (message-ttl, max-length, dead-letter-exchange, ...)."""

    name: str
    pattern: str
    definition: Arguments
    priority: int = 0
    apply_to: str = "queues"
    queues: tuple[str, ...] = ()  # when written as a list of names (then `pattern` matches exactly those)
    origin: Origin | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Topology:
    exchanges: tuple[Exchange, ...]
    queues: tuple[Queue, ...]
    default_queue: str
    routes: tuple[Route, ...] = ()
    schedule: tuple[ScheduleEntry, ...] = ()
    app: str | None = None
    default_queue_origin: Origin | None = field(default=None, compare=False)
    policies: tuple[Policy, ...] = ()
    owner: str = DEFAULT_OWNER

    def exchange(self, name: str) -> Exchange | None:
        return self._exchanges_by_name.get(name)

    def queue(self, name: str) -> Queue | None:
        return self._queues_by_name.get(name)

    def all_bindings(self) -> tuple[tuple[Queue | Exchange, Binding], ...]:
        """Exchange-to-exchange bindings, then queue bindings: the order to declare them in."""
        pairs: list[tuple[Queue | Exchange, Binding]] = [*self.exchange_bindings(), *self.bindings()]
        return tuple(pairs)

    def bindings_from(self, exchange: str) -> tuple[tuple[Queue | Exchange, Binding], ...]:
        """What `exchange` routes to: (destination queue or exchange, binding), in declaration order."""
        return self._bindings_by_source.get(exchange, ())

    def route_named(self, task_name: str) -> Route | None:
        """The route whose pattern is exactly `task_name` (Celery tries these before any glob or regex)."""
        return self._exact_routes.get(task_name)

    @cached_property
    def pattern_routes(self) -> tuple[Route, ...]:
        """Glob and regex routes in the order Celery tries them. ``MapRoute`` keys them by compiled regex,
        so routes that compile alike (`tasks.*`, `tasks.**`) are one entry: at the first one's place,
        with the last one's destination."""
        by_regex: dict[re.Pattern[str], Route] = {}
        for route in self.routes:
            if route.regex is not None:
                by_regex[route.regex] = route  # an existing key keeps its place and takes the new value
        return tuple(by_regex.values())

    @cached_property
    def pattern_index(self) -> PatternIndex:
        return PatternIndex.of(self.pattern_routes)

    @cached_property
    def _exact_routes(self) -> dict[str, Route]:
        exact: dict[str, Route] = {}
        for route in self.routes:
            if route.regex is None:
                exact.setdefault(route.pattern, route)
        return exact

    @cached_property
    def routes_by_headers(self) -> bool:
        """Whether any exchange matches on message headers (a headers exchange, or one delayed as headers)."""
        return any(e.routing_type is ExchangeType.HEADERS for e in self.exchanges)

    @cached_property
    def _exchanges_by_name(self) -> dict[str, Exchange]:
        return {e.name: e for e in self.exchanges}

    @cached_property
    def _queues_by_name(self) -> dict[str, Queue]:
        return {q.name: q for q in self.queues}

    @cached_property
    def _bindings_by_source(self) -> dict[str, tuple[tuple[Queue | Exchange, Binding], ...]]:
        edges: dict[str, list[tuple[Queue | Exchange, Binding]]] = {}
        for destination, binding in self.all_bindings():
            edges.setdefault(binding.exchange, []).append((destination, binding))
        return {source: tuple(found) for source, found in edges.items()}

    def bindings(self) -> tuple[tuple[Queue, Binding], ...]:
        """Every (queue, binding) pair, in file order."""
        return tuple((q, b) for q in self.queues for b in q.bindings)

    def exchange_bindings(self) -> tuple[tuple[Exchange, Binding], ...]:
        """Every (destination exchange, binding) pair: exchange-to-exchange bindings, in file order."""
        return tuple((e, b) for e in self.exchanges for b in e.bindings)

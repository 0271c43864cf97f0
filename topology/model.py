"""The desired topology: exchanges, queues, bindings, Celery routes and the beat schedule.

Pure data (frozen dataclasses, no I/O). Every object may carry the place in routing.yaml it
came from, so that checks made anywhere later can still point the user at a line.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cached_property
from typing import Any

from topology.codes import Severity as Severity  # a Problem's; defined beside the finding codes

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


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a topology file, reported with its place."""

    message: str
    origin: Origin | None = None
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        label = "warning: " if self.severity is Severity.WARNING else ""
        return f"{self.origin}: {label}{self.message}" if self.origin else f"{label}{self.message}"


class Kind(str, Enum):
    """The kinds of object a vhost holds that routing.yaml declares, and the cluster node findings name."""

    EXCHANGE = "exchange"
    QUEUE = "queue"
    BINDING = "binding"
    POLICY = "policy"
    NODE = "node"  # a RabbitMQ node of the cluster: never declared, only diagnosed

    @property
    def plural(self) -> str:
        return "policies" if self is Kind.POLICY else f"{self._value_}s"


BindingArguments = tuple[tuple[str, Any], ...]
"""A binding's header arguments in a hashable, order-free form: part of a binding's identity."""


def binding_arguments(arguments: Mapping[str, Any]) -> BindingArguments:
    return tuple(sorted(arguments.items()))


@dataclass(frozen=True)
class Ref:
    """Which object a change, a finding, an operation or a step is about, as RabbitMQ identifies it: an
    exchange, queue or policy by its name; a binding by its source exchange, its destination (`name`, of
    `destination_kind`), its routing key and its header arguments. Printed, it reads as in every report."""

    kind: Kind
    name: str
    source: str = ""
    destination_kind: Kind | None = None
    routing_key: str = ""
    arguments: BindingArguments = ()

    @classmethod
    def binding(cls, source: str, destination: Ref, routing_key: str, arguments: BindingArguments = ()) -> Ref:
        return cls(Kind.BINDING, destination.name, source, destination.kind, routing_key, arguments)

    @property
    def endpoints(self) -> tuple[Ref, Ref]:
        """A binding's source exchange and its destination."""
        return Ref(Kind.EXCHANGE, self.source), Ref(self.destination_kind or Kind.QUEUE, self.name)

    @property
    def shown(self) -> str:
        """The name as reports print it after the kind: an object's name, a binding's whole path."""
        if self.kind is not Kind.BINDING:
            return self.name
        headers = f", headers {dict(self.arguments)}" if self.arguments else ""
        destination = self.destination_kind._value_ if self.destination_kind else "queue"
        return f"{self.source!r} -> {destination} {self.name!r} (routing key {self.routing_key!r}{headers})"

    def __str__(self) -> str:
        if self.kind is Kind.BINDING:
            return f"binding {self.shown}"
        return f"{self.kind._value_} {self.name!r}"


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
MESSAGE_TTL = "x-message-ttl"
CONSUMER_TIMEOUT = "x-consumer-timeout"
OWNER_ARGUMENT = "x-topology-owner"
"""Marks what `apply` created: RabbitMQ ignores unknown x-arguments in its equivalence checks and headers
exchanges ignore x- keys when matching, so the marker changes no behaviour; `--prune` deletes only marked objects."""
DEFAULT_OWNER = "topology"
UNROUTABLE_NET = "topology.unroutable"
"""The default name of the fanout exchange and the queue that keep what an exchange of the file cannot route."""
DEAD_LETTER_NET = "topology.dead-letters"
"""The default name of the fanout exchange and the queue that keep what a queue of the file dead-letters."""
DEFAULT_CONFIRM_TIMEOUT = 10.0
"""Seconds a publish may take, reconnecting and waiting for the broker's confirm included, before it raises."""
CONFIRM_TIMEOUT_BOUNDS = (0.5, 3600.0)
"""The confirm timeouts a file may set: below, not even a reconnect fits; above, a caller is stuck in effect."""
POLICY_ALTERNATE_EXCHANGE = "alternate-exchange"
POLICY_DEAD_LETTER_EXCHANGE = "dead-letter-exchange"
DEFAULT_MAX_RUNS = 3
"""How many times a task may start on a worker before it is dead-lettered, unless routing.yaml says otherwise."""


class QueueType(str, Enum):
    CLASSIC = "classic"
    QUORUM = "quorum"
    STREAM = "stream"


@dataclass(frozen=True)
class ExchangeDeclaration:
    """An exchange as it is declared and as RabbitMQ reports it: the one form that plan, probe, the AMQP
    operations and the kombu adapter all read."""

    name: str
    type: str
    durable: bool
    auto_delete: bool
    internal: bool = False
    arguments: Arguments = field(default_factory=dict, compare=False)

    def properties(self) -> tuple[tuple[str, object], ...]:
        """The properties RabbitMQ compares on a redeclare, besides the x-arguments."""
        return (
            ("type", self.type),
            ("durable", self.durable),
            ("auto_delete", self.auto_delete),
            ("internal", self.internal),
        )


@dataclass(frozen=True)
class QueueDeclaration:
    """A queue as it is declared and as RabbitMQ reports it; `arguments` leaves x-queue-type out (that is
    `type`), as the management API lists queues."""

    name: str
    durable: bool
    auto_delete: bool = False
    exclusive: bool = False
    arguments: Arguments = field(default_factory=dict, compare=False)
    type: str = "classic"

    def properties(self) -> tuple[tuple[str, object], ...]:
        """The properties RabbitMQ compares on a redeclare, besides the x-arguments."""
        return (
            ("type", self.type),
            ("durable", self.durable),
            ("auto_delete", self.auto_delete),
            ("exclusive", self.exclusive),
        )

    def wire_arguments(self) -> dict[str, Any]:
        """What goes on the wire: classic is RabbitMQ's default, so it is not spelled out."""
        typed = {} if self.type == "classic" else {"x-queue-type": self.type}
        return {**self.arguments, **typed}


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

    def declared(self) -> ExchangeDeclaration:
        return ExchangeDeclaration(
            self.name, self.type._value_, self.durable, self.auto_delete, self.internal, self.arguments
        )

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
    (x-queue-type excepted: that is `type`); `origins` says where each setting and x-argument was written.
    `fed_by` names what else publishes to it (other applications), so that a queue no route reaches is
    known to be meant; the broker never sees it."""

    name: str
    type: QueueType = QueueType.CLASSIC
    durable: bool = True
    auto_delete: bool = False
    arguments: Arguments = field(default_factory=dict)
    bindings: tuple[Binding, ...] = ()
    origin: Origin | None = field(default=None, compare=False)
    origins: Mapping[str, Origin] = field(default_factory=dict, compare=False)
    fed_by: tuple[str, ...] = field(default=(), compare=False)  # publishers besides this app's routes: not sent
    max_runs: int | None = field(default=None, compare=False)
    """How many deliveries of a task the worker allows before dead-lettering it (None: the file's default).
    A worker setting, not the broker's: it is not declared."""
    broadcast: bool = False
    """kombu's Broadcast: every worker consuming it declares a queue of its own (exclusive, so it goes with
    the worker's connection) with these bindings, and each gets a copy of every task. `apply` declares
    neither the queue nor its bindings; the exchanges they name are the file's."""

    def declared(self) -> QueueDeclaration:
        return QueueDeclaration(self.name, self.durable, self.auto_delete, False, self.arguments, self.type._value_)


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
    relative: bool = False
    """Celery beat's `relative`: an `every` interval rounded to its own resolution (every 5m runs on the minute
    that divides by 5), instead of counted from beat's start."""


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
    net_keys: tuple[str, ...] = ()  # keys of `definition` the nets put there (see `Nets`), for plan to say so

    def applies_to(self, kind: Kind, name: str) -> bool:
        """Whether RabbitMQ applies this policy to the exchange or queue `name` (its pattern is searched for,
        unanchored, as RabbitMQ's re:run does). A pattern that does not compile applies to nothing: the
        checks report it, once."""
        targets = {"all": (Kind.EXCHANGE, Kind.QUEUE), "exchanges": (Kind.EXCHANGE,), "queues": (Kind.QUEUE,)}
        if kind not in targets.get(self.apply_to, ()):
            return False
        try:
            return re.search(self.pattern, name) is not None
        except re.error:
            return False


@dataclass(frozen=True)
class Publishing:
    """How clients publish: each task confirmed by RabbitMQ, or an error at the caller within
    `confirm_timeout` seconds (connecting, retrying and waiting for the confirm all count)."""

    confirm_timeout: float = DEFAULT_CONFIRM_TIMEOUT


@dataclass(frozen=True)
class Nets:
    """Where what would otherwise be lost is kept: `unroutable` names the fanout exchange and queue that every
    exchange of the file has as its alternate exchange, `dead_letters` those that every queue dead-letters to.
    None: the file opted out (then tasks are published mandatory, and a returned one raises at the caller)."""

    unroutable: str | None = None
    dead_letters: str | None = None
    delays: Delays | None = None

    @property
    def keeping(self) -> frozenset[str]:
        """The nets that keep tasks for a person to look at: the unroutable and dead-letter queues."""
        return frozenset(n for n in (self.unroutable, self.dead_letters) if n is not None)

    @property
    def names(self) -> frozenset[str]:
        """Every object the nets add, the delay ladder's included: none is one of the file's routes' own."""
        return self.keeping | (self.delays.names if self.delays is not None else frozenset())


DEFAULT_DELAY_PREFIX = "topology.delay"
DEFAULT_DELAY_LEVELS = 23
MAX_DELAY_LEVELS = 23
"""RabbitMQ takes a queue's x-message-ttl up to 2^32-1 ms: level 22 (2^22 s, 48.5 days) is the highest."""
DELAY_BIT_HEADER = "topology-delay-"
"""A delayed task's header per ladder level it waits in (`topology-delay-<k>`: "1"); not an x- header, which a
headers exchange would ignore."""
DELAY_EXCHANGE_HEADER = "topology-delay-exchange"
"""The exchange a delayed task goes to once due (its own, as published); "" for the default exchange."""
DELAY_QUEUE_HEADER = "topology-delay-queue"
"""The queue a delayed task goes to once due when it was published through the default exchange."""


@dataclass(frozen=True)
class Delays:
    """The delay ladder (docs/design.md#delayed-tasks): `levels` classic queues, level k holding a task 2^k
    seconds (per-queue TTL) and dead-lettering it to level k-1's headers exchange, level 0 to the delivery
    exchange, which sends it to its own exchange (and routing key) or queue. A task delayed by d seconds
    waits in the levels of d's set bits. Named `<prefix>.<k>` and `<prefix>.delivery`."""

    prefix: str = DEFAULT_DELAY_PREFIX
    levels: int = DEFAULT_DELAY_LEVELS
    origin: Origin | None = field(default=None, compare=False)

    def level(self, k: int) -> str:
        return f"{self.prefix}.{k}"

    @property
    def delivery(self) -> str:
        return f"{self.prefix}.delivery"

    @property
    def longest(self) -> int:
        """The longest delay the ladder holds, in seconds (every level once)."""
        return int(2**self.levels - 1)

    @property
    def names(self) -> frozenset[str]:
        return frozenset([self.delivery, *(self.level(k) for k in range(self.levels))])

    def ladder(
        self, exchanges: tuple[Exchange, ...], queues: tuple[Queue, ...], nets: Nets
    ) -> tuple[tuple[Exchange, ...], tuple[Queue, ...]]:
        """`exchanges` and `queues` with the ladder: each of the file's exchanges (and queues, for tasks sent by
        name through the default exchange) bound from the delivery exchange by the header naming it, so that a
        task due goes where its own exchange routes it then; what the delivery exchange cannot place goes to
        the unroutable net. A level's exchange passes what does not wait in it to the level below (its
        alternate exchange): a task enters at its highest level and waits only in the levels of its bits."""
        kept = nets.keeping
        delivered = tuple(
            replace(
                e, bindings=(*e.bindings, Binding(self.delivery, "", {MATCH: "all", DELAY_EXCHANGE_HEADER: e.name}))
            )
            if e.name not in kept
            else e
            for e in exchanges
        )
        routed = tuple(
            replace(q, bindings=(*q.bindings, Binding(self.delivery, "", {MATCH: "all", DELAY_QUEUE_HEADER: q.name})))
            if q.name not in kept
            else q
            for q in queues
        )
        below = [self.delivery, *(self.level(k) for k in range(self.levels - 1))]
        levels = tuple(
            Exchange(self.level(k), ExchangeType.HEADERS, arguments={ALTERNATE_EXCHANGE: below[k]})
            for k in range(self.levels)
        )
        waits = tuple(
            Queue(
                self.level(k),
                arguments={MESSAGE_TTL: 1000 * 2**k, DEAD_LETTER_EXCHANGE: below[k]},
                bindings=(Binding(self.level(k), "", {MATCH: "all", f"{DELAY_BIT_HEADER}{k}": "1"}),),
            )
            for k in range(self.levels)
        )
        delivery = Exchange(self.delivery, ExchangeType.HEADERS)  # its alternate: the unroutable net's policy
        return (*delivered, delivery, *levels), (*routed, *waits)

    def bits(self, seconds: int) -> tuple[int, ...]:
        """The levels a delay of `seconds` (at most `longest`) waits in, highest first."""
        return tuple(k for k in reversed(range(self.levels)) if seconds >> k & 1)


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
    nets: Nets = Nets()
    publishing: Publishing = Publishing()
    max_runs: int = DEFAULT_MAX_RUNS

    def max_runs_of(self, queue: Queue) -> int:
        return queue.max_runs if queue.max_runs is not None else self.max_runs

    rabbitmq: str | None = None  # the RabbitMQ series the file targets (`rabbitmq:`), for checks without a broker

    def policy_for(self, kind: Kind, name: str) -> Policy | None:
        """The file's policy RabbitMQ puts in effect on an exchange or queue: of those that apply, the one of
        highest priority (the first in the file among equals)."""
        applying = [p for p in self.policies if p.applies_to(kind, name)]
        return max(applying, key=lambda p: p.priority) if applying else None

    def alternate_exchange_of(self, exchange: Exchange) -> str | None:
        """Where `exchange` sends what it cannot route: its argument wins over a policy, as in RabbitMQ."""
        if exchange.alternate_exchange is not None:
            return exchange.alternate_exchange
        policy = self.policy_for(Kind.EXCHANGE, exchange.name)
        value = policy.definition.get(POLICY_ALTERNATE_EXCHANGE) if policy is not None else None
        return value if isinstance(value, str) else None

    def dead_letter_exchange_of(self, queue: Queue) -> str | None:
        """Where `queue` dead-letters to ('' is the default exchange): its argument wins over a policy."""
        value = queue.arguments.get(DEAD_LETTER_EXCHANGE)
        if value is None:
            policy = self.policy_for(Kind.QUEUE, queue.name)
            value = policy.definition.get(POLICY_DEAD_LETTER_EXCHANGE) if policy is not None else None
        return value if isinstance(value, str) else None

    def queue_setting(self, queue: Queue, argument: str) -> Any:
        """A queue's setting as RabbitMQ applies it: the x-argument, else its effective policy's key."""
        if argument in queue.arguments:
            return queue.arguments[argument]
        policy = self.policy_for(Kind.QUEUE, queue.name)
        return policy.definition.get(argument.removeprefix("x-")) if policy is not None else None

    @cached_property
    def on_broker(self) -> Topology:
        """What `apply` declares and the broker is compared with: broadcast queues (and their bindings) are
        declared by each worker that consumes them, never by apply."""
        delays = self.nets.delays
        laddered = delays is not None and self.exchange(delays.delivery) is None
        if not laddered and not any(q.broadcast for q in self.queues):
            return self
        exchanges, queues = self.exchanges, tuple(q for q in self.queues if not q.broadcast)
        if delays is not None and laddered:
            exchanges, queues = delays.ladder(exchanges, queues, self.nets)
        return replace(self, exchanges=exchanges, queues=queues)

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

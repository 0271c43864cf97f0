"""Where a task's messages go: Celery's choice of destination and RabbitMQ's routing, as pure functions.

Celery (``celery.app.routes.Router``) takes a task's destination from, first to last: the call's own
options (apply_async, send_task, a signature's, a beat entry's, a retry's), the task's own options
(``@app.task(queue=...)``, class attributes), the first route that matches (``MapRoute``: exact-name
routes first, then globs and regexes in file order), and the default queue; each of `queue`, `exchange`
and `routing_key` is taken from the first of them that names it. Its task sender then publishes a task
bound for a queue on a direct exchange, unless both an exchange and a key are named, through RabbitMQ's
default exchange (``celery.app.amqp``: "convert to anon-exchange"). The app configured from the file
publishes such a task through one of the queue's own bindings instead, when that binding reaches that
queue alone (``queue_sends``), so that it still lands where Celery would put it; `celery_sends` models
the whole decision, and the adapter (``celery_adapter/precedence.py``) takes the same one.

RabbitMQ's side follows the broker: direct (equal keys), topic (`*` one word, `#` zero or more),
fanout (all), headers (x-match all/any over typed values), exchange-to-exchange hops, and an
exchange's alternate exchange (its argument, else its policy's: the unroutable net is one) when that
exchange itself matches no binding. A consistent-hash
exchange delivers one copy to one of its bindings.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from topology.model import MATCH, Binding, Destination, Exchange, ExchangeType, Queue, Route, ScheduleEntry, Topology


class _Unknown:
    """A header whose value is not known before the task is sent (its id, or the name for a glob route)."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()
# Headers of a Celery (protocol 2) task message whose values differ per message.
_PER_MESSAGE_HEADERS = ("id", "root_id", "parent_id", "group", "retries", "eta", "expires", "timelimit", "origin")


@dataclass(frozen=True)
class Message:
    routing_key: str
    headers: Mapping[str, Any] = field(default_factory=dict)


def task_message(destination: Destination, task_name: str | None) -> Message:
    """The message Celery publishes for `task_name` (None: any task the route may match)."""
    headers: dict[str, Any] = {"lang": "py", "task": UNKNOWN if task_name is None else task_name}
    headers.update(dict.fromkeys(_PER_MESSAGE_HEADERS, UNKNOWN))
    return Message(destination.routing_key, headers)


@dataclass(frozen=True)
class Delivery:
    """The queues a message may land in, and how many copies are delivered (a consistent-hash
    exchange picks one of its queues, so its queues count once between them)."""

    queues: tuple[str, ...]
    copies: int


def route_for(topology: Topology, task_name: str) -> Route | None:
    """The route Celery picks for `task_name`, or None when it falls to the default queue."""
    exact = topology.route_named(task_name)
    if exact is not None:
        return exact
    return topology.pattern_index.first_match(task_name)


def queue_destination(queue: Queue) -> Destination:
    """A queue's first binding as a destination, else the default exchange with its name."""
    if queue.bindings:
        first = queue.bindings[0]
        return Destination(first.exchange, first.routing_key)
    return Destination("", queue.name)


class Source(str, Enum):
    """Who names a publish option, in Celery's order of precedence: the first that names one wins."""

    CALL = "call"  # apply_async, send_task, a signature's options (canvas), a beat entry's options, a retry
    TASK = "task"  # the task's own options: @app.task(queue=...), attributes of a Task class
    ROUTE = "route"  # the first route of the file that matches the task's name
    DEFAULT = "default_queue"  # no route matches and no queue is named


class Through(str, Enum):
    """How a task is published to RabbitMQ."""

    BINDING = "binding"
    """Celery would use the default exchange; the app publishes through the queue's binding, which reaches it alone."""
    DEFAULT_EXCHANGE = "default exchange"
    """Celery's own way: no binding of the file reaches that queue alone (or the key is missing)."""
    NAMED = "named"
    """An exchange and a routing key are named (by a route, the task or the call): Celery publishes there."""
    QUEUE_EXCHANGE = "queue's exchange"
    """The queue's one binding is on an exchange that is not direct: Celery publishes there, with its key."""


OPTIONS = ("queue", "exchange", "routing_key")
"""The publish options that name a destination, as Celery spells them."""
DIRECT = ExchangeType.DIRECT.value


@dataclass(frozen=True)
class Named:
    """A destination as a call, a task's options or a beat entry name one (None: not named there)."""

    queue: str | None = None
    exchange: str | None = None
    routing_key: str | None = None

    def items(self) -> list[tuple[str, str]]:
        return [(key, value) for key in OPTIONS if (value := getattr(self, key)) is not None]

    @property
    def shown(self) -> str:
        """As the options are written in Python: queue='q', routing_key='k'."""
        return ", ".join(f"{key}={value!r}" for key, value in self.items())


@dataclass(frozen=True)
class TaskOptions:
    """The destination a task names itself (``@app.task(queue=...)``, a Task class's attributes), and the place
    in the app's code that names it (`path:line`, "" when it cannot be found)."""

    named: Named
    place: str = ""


NOTHING_NAMED = Named()
NOWHERE = Destination("", "")
"""The default exchange with no key: where Celery publishes a task named to a direct exchange without a key."""


def shown_destination(destination: Destination) -> str:
    if destination.exchange == "":
        return f"queue {destination.routing_key!r} through the default exchange"
    return f"exchange {destination.exchange!r} with routing key {destination.routing_key!r}"


@dataclass(frozen=True)
class Sending:
    """Where Celery publishes a task, where RabbitMQ puts it, and who decided.

    `chosen`: who named the value Celery kept for each option (queue, exchange, routing_key); `used`: the options
    the publish follows (the others are named, but Celery publishes without them). `refused`: why nothing is
    published (Celery raises at the caller, or RabbitMQ refuses the exchange)."""

    task: str | None
    route: Route | None
    queue: str | None
    destination: Destination
    delivery: Delivery
    through: Through
    chosen: Mapping[str, Source] = field(default_factory=dict)
    used: frozenset[str] = frozenset()
    refused: str | None = None

    @property
    def ignored(self) -> list[str]:
        """Options named (by the call, the task or a route) that this publish does not follow (none if refused)."""
        return [key for key in OPTIONS if key in self.chosen and key not in self.used and self.refused is None]


def not_followed(sending: Sending, keys: Sequence[str]) -> str:
    """Why Celery publishes without `keys` (options the sending names but does not follow), and where it lands."""
    shown = " and ".join(f"the {sending.chosen[key].value}'s {key}" for key in keys)
    if "queue" in keys:
        exchange, key = sending.destination.exchange, sending.destination.routing_key
        why = f"the {sending.chosen['exchange'].value}'s exchange {exchange!r} and routing key {key!r} win over it"
    else:
        why = (
            f"a queue on a direct exchange ({sending.queue!r}) is published to by its name unless an exchange and "
            "a routing key are both named"
        )
    landed = ", ".join(repr(q) for q in sending.delivery.queues) or "no queue"
    return f"Celery does not follow {shown}: {why}; its tasks land in {landed}"


def celery_sends(topology: Topology, task: str, call: Named = NOTHING_NAMED, own: Named = NOTHING_NAMED) -> Sending:
    """Where the app configured from the file sends `task` when the call names `call` and the task itself
    `own` (``@app.task(queue=...)``): Celery's precedence and task sender, the default exchange replaced."""
    return sends_by(topology, task, route_for(topology, task), call, own)


def sends_by(
    topology: Topology,
    task: str | None,
    route: Route | None,
    call: Named = NOTHING_NAMED,
    own: Named = NOTHING_NAMED,
) -> Sending:
    """`celery_sends` for a task whose route is known (`task` None: a name a pattern route matches, unknown).

    Celery's ``Router.route``: each of queue, exchange and routing_key from the call, else the task's options,
    else the route; the default queue only when no route matches and none names a queue. Then its task sender
    (``celery.app.amqp``): with no exchange or no key, a queue whose exchange is direct is published to by name
    through the default exchange (here through its binding, `queue_sends`); with no exchange, a queue on another
    type of exchange through that exchange with its binding's key; else where exchange and key say."""
    named = {key: (value, Source.TASK) for key, value in own.items()}
    named |= {key: (value, Source.CALL) for key, value in call.items()}
    chosen: dict[str, tuple[str, Source]] = {}
    exchange_type = None
    if route is not None and route.exchange is not None:
        chosen |= {"exchange": (route.exchange, Source.ROUTE), "routing_key": (route.routing_key, Source.ROUTE)}
        declared = topology.exchange(route.exchange)
        exchange_type = declared.type.value if declared is not None else DIRECT
    elif route is not None and route.queue is not None:
        chosen["queue"] = (route.queue, Source.ROUTE)
    elif "queue" not in named:
        chosen["queue"] = (topology.default_queue, Source.DEFAULT)
    chosen |= named
    sources = {key: source for key, (_, source) in chosen.items()}
    missing = _missing_queue(topology, named, route, chosen)
    if missing is not None:
        return _refused(task, route, sources, missing)
    queue_name, exchange, routing_key = (chosen[key][0] if key in chosen else None for key in OPTIONS)
    if exchange is not None and exchange != "" and topology.exchange(exchange) is None:
        return _refused(task, route, sources, f"exchange {exchange!r} is not in the file: RabbitMQ refuses the publish")
    queue = topology.queue(queue_name) if queue_name else None
    if exchange_type is None:
        exchange_type = celery_exchange_type(topology, queue) if queue is not None else DIRECT
    if (not exchange or not routing_key) and exchange_type == DIRECT:
        if queue is None:  # Celery publishes to the default exchange with no key: nothing takes it
            return Sending(task, route, None, NOWHERE, Delivery((), 0), Through.DEFAULT_EXCHANGE, sources, frozenset())
        destination, delivery, through = queue_sends(topology, queue, task)
        return Sending(task, route, queue.name, destination, delivery, through, sources, frozenset({"queue"}))
    if exchange is None and queue is not None:
        binding = queue.bindings[0]
        key = routing_key or binding.routing_key  # Celery's default key, its last resort, is '' (config.py)
        used = {"queue", "routing_key"} if routing_key else {"queue"}
        return _sending(topology, task, route, queue.name, Destination(binding.exchange, key), sources, used)
    used = {"exchange", "routing_key"} if routing_key else {"exchange"}
    destination = Destination(exchange or "", routing_key or "")
    return _sending(topology, task, route, queue_name if "queue" in used else None, destination, sources, used)


def _missing_queue(
    topology: Topology, named: Mapping[str, tuple[str, Source]], route: Route | None, chosen: Mapping[str, Any]
) -> str | None:
    """The first queue Celery looks up that its task_queues lack (the file's queues, less the nets'): Celery
    raises QueueNotFound at the caller, the call's (or task's) queue first, then the route's, then the default."""
    looked_up = [named["queue"][0]] if "queue" in named else []
    if route is not None and route.queue is not None:
        looked_up.append(route.queue)
    if chosen.get("queue", (None, None))[1] is Source.DEFAULT:
        looked_up.append(topology.default_queue)
    for name in looked_up:
        if topology.queue(name) is None or name in topology.nets.names:
            return f"queue {name!r} is not in the file: Celery raises QueueNotFound at the caller"
    return None


def _refused(task: str | None, route: Route | None, chosen: Mapping[str, Source], why: str) -> Sending:
    return Sending(task, route, None, NOWHERE, Delivery((), 0), Through.NAMED, chosen, refused=why)


def _sending(
    topology: Topology,
    task: str | None,
    route: Route | None,
    queue: str | None,
    destination: Destination,
    chosen: Mapping[str, Source],
    used: set[str],
) -> Sending:
    through = Through.QUEUE_EXCHANGE if "exchange" not in used else Through.NAMED
    delivery = deliver(topology, destination.exchange, task_message(destination, task))
    return Sending(task, route, queue, destination, delivery, through, chosen, frozenset(used))


def celery_exchange_type(topology: Topology, queue: Queue) -> str:
    """The type of the exchange Celery takes `queue` to be on (`task_queues`, celery_adapter/config.py): its one
    binding's exchange, as declared; a queue with none or several has no exchange in kombu, and Celery gives it
    its default exchange, direct."""
    if len(queue.bindings) != 1:
        return DIRECT
    exchange = topology.exchange(queue.bindings[0].exchange)
    return exchange.type.value if exchange is not None else DIRECT


def queue_sends(topology: Topology, queue: Queue, task: str | None) -> tuple[Destination, Delivery, Through]:
    """How the app publishes a task Celery would send to `queue` through RabbitMQ's default exchange: through
    the first of the queue's bindings that delivers it to that queue alone, so that the file's exchanges (their
    alternate exchange, the unroutable net) stay in the path; else, as Celery does, through the default exchange:
    a binding that also reaches other queues would land the task where Celery does not.

    A binding with an empty key on a direct exchange is passed over: Celery takes an empty key for none and
    would publish by name anyway; so is one on an internal exchange, which refuses publishes."""
    for binding in queue.bindings:
        exchange = topology.exchange(binding.exchange)
        if exchange is None or exchange.internal or (exchange.type is ExchangeType.DIRECT and not binding.routing_key):
            continue
        destination = Destination(binding.exchange, binding.routing_key)
        delivery = deliver(topology, destination.exchange, task_message(destination, task))
        if delivery.queues == (queue.name,) and delivery.copies == 1:
            return destination, delivery, Through.BINDING
    by_name = Destination("", queue.name)
    return by_name, deliver(topology, "", task_message(by_name, task)), Through.DEFAULT_EXCHANGE


def route_destination(topology: Topology, route: Route | None, task: str | None = None) -> Destination | None:
    """Where tasks following `route` (None: the default queue) are published when the call names nothing;
    None if Celery refuses them (the route names a queue or exchange the file lacks)."""
    sending = sends_by(topology, task, route)
    return None if sending.refused else sending.destination


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: words split on '.', '*' is exactly one word, '#' zero or more words.
    An empty key (or binding key) is no words at all, as RabbitMQ splits it, not one empty word.

    The pattern is run as a set of positions over the key's words, one word at a time, so a pattern
    of many '#' costs (pattern words x key words) steps, never the exponential of trying each split."""
    pattern_words = _words(pattern)
    end = len(pattern_words)
    positions = _past_hashes(pattern_words, {0})
    for word in _words(routing_key):
        following = set()
        for at in positions:
            if at == end:
                continue
            head = pattern_words[at]
            if head == "#":
                following.add(at)  # '#' takes this word and may take more
            elif head == "*" or head == word:
                following.add(at + 1)
        if not following:
            return False
        positions = _past_hashes(pattern_words, following)
    return end in positions


def _words(key: str) -> tuple[str, ...]:
    return tuple(key.split(".")) if key else ()


def _past_hashes(pattern: tuple[str, ...], positions: set[int]) -> set[int]:
    """`positions` and every position reached from them by letting a '#' take no word."""
    reached = set(positions)
    pending = list(positions)
    while pending:
        at = pending.pop()
        if at < len(pattern) and pattern[at] == "#" and at + 1 not in reached:
            reached.add(at + 1)
            pending.append(at + 1)
    return reached


def headers_match(arguments: Mapping[str, Any], headers: Mapping[str, Any], *, unknown: bool = True) -> bool:
    """RabbitMQ's headers exchange: keys starting 'x-' are not matched; a null value means 'present';
    values match only within the same type (1 is not '1'); x-match 'all' (the default) or 'any'.
    `unknown` is what an UNKNOWN header value is taken to do: match anything, or nothing."""
    conditions = [(key, value) for key, value in arguments.items() if not key.startswith("x-")]
    results = (_header_matches(headers, key, value, unknown) for key, value in conditions)
    return any(results) if arguments.get(MATCH) == "any" else all(results)


def _header_matches(headers: Mapping[str, Any], key: str, wanted: Any, unknown: bool) -> bool:
    if key not in headers:
        return False
    found = headers[key]
    if wanted is None:
        return True
    if found is UNKNOWN:
        return unknown
    return _type_class(found) is _type_class(wanted) and found == wanted


def _type_class(value: Any) -> type:
    return bool if isinstance(value, bool) else int if isinstance(value, int) else type(value)


def binding_matches(kind: ExchangeType | None, binding: Binding, message: Message, *, unknown: bool = True) -> bool:
    """Whether `message` passes `binding` on an exchange that routes as `kind`."""
    if kind is ExchangeType.DIRECT:
        return binding.routing_key == message.routing_key
    if kind is ExchangeType.TOPIC:
        return topic_matches(binding.routing_key, message.routing_key)
    if kind is ExchangeType.HEADERS:
        return headers_match(binding.arguments, message.headers, unknown=unknown)
    return kind in (ExchangeType.FANOUT, ExchangeType.CONSISTENT_HASH)


def deliver(topology: Topology, exchange: str, message: Message) -> Delivery:
    """Where RabbitMQ puts `message` published to `exchange` ('' is the default exchange).

    Headers not known in advance may match: `queues` counts every queue the message may reach,
    `copies` only those it surely reaches, so that neither 'dropped' nor 'runs twice' is claimed wrongly.
    """
    groups = _Router(topology, message, unknown=True).groups(exchange, frozenset())
    # unknown headers only change anything where a headers exchange matches on them
    uncertain = topology.routes_by_headers and any(v is UNKNOWN for v in message.headers.values())
    sure = _Router(topology, message, unknown=False).groups(exchange, frozenset()) if uncertain else groups
    queues = dict.fromkeys(q for group in groups for q in sorted(group))
    return Delivery(tuple(queues), len(set(sure)))


@dataclass(frozen=True)
class _Router:
    topology: Topology
    message: Message
    unknown: bool

    def groups(self, name: str, seen: frozenset[str]) -> list[frozenset[str]]:
        """Each group is one copy of the message, landing in one of the group's queues."""
        if name == "":
            key = self.message.routing_key
            return [frozenset({key})] if self.topology.queue(key) else []
        exchange = self.topology.exchange(name)
        if exchange is None or name in seen:
            return []
        seen = seen | {name}
        matched = [
            destination
            for destination, binding in self.topology.bindings_from(name)
            if binding_matches(exchange.routing_type, binding, self.message, unknown=self.unknown)
        ]
        groups = [group for destination in matched for group in self.groups_of(destination, seen)]
        alternate = self.topology.alternate_exchange_of(exchange) if not matched else None
        if alternate is not None:
            return self.groups(alternate, seen)
        if exchange.type is ExchangeType.CONSISTENT_HASH and groups:
            return [frozenset().union(*groups)]
        return groups

    def groups_of(self, destination: Queue | Exchange, seen: frozenset[str]) -> list[frozenset[str]]:
        if isinstance(destination, Queue):
            return [frozenset({destination.name})]
        return self.groups(destination.name, seen)


def known_task_names(topology: Topology, registered: Iterable[str] = ()) -> list[str]:
    """Every concrete task name the file or the Celery app mentions: registered tasks, exact-name
    routes and schedule entries, in that order."""
    exact = [r.pattern for r in topology.routes if r.regex is None]
    return list(dict.fromkeys([*registered, *exact, *(s.task for s in topology.schedule)]))


def unknown_tasks(topology: Topology, asked: Iterable[str], registered: Collection[str] | None) -> list[str]:
    """The names among `asked` that no one knows: with the app's `registered` names (it imported), those it
    does not register; without, those routing.yaml neither names nor routes by a glob or regex."""
    if registered is not None:
        return [name for name in asked if name not in registered]
    named = set(known_task_names(topology))
    patterns = [route for route in topology.routes if route.regex is not None]
    return [name for name in asked if name not in named and not any(r.matches(name) for r in patterns)]


@dataclass(frozen=True)
class TaskRoute:
    """Where a call of one task lands by routing.yaml, and who decided: the call, the task's own options, a
    route (with its line) or the default queue; the exchange and key it is published with, the queues it
    lands in (none: dropped), how it is published, and what Celery does not follow or refuses."""

    task: str
    rule: str  # a route's pattern, "default_queue", or "call: ..." / "task: ..." for what they name
    line: int | None  # the route's (or default_queue's) line, when one decided
    exchange: str | None  # None when refused
    routing_key: str | None
    queues: tuple[str, ...]
    through: Through | None  # None when refused
    decided_by: Mapping[str, Source]  # who named the queue, exchange and routing key Celery kept
    ignored: tuple[str, ...]  # options named that Celery publishes without
    not_followed: str | None  # why Celery does not follow an option the call or the task names
    refused: str | None  # why nothing is published


def task_route(topology: Topology, name: str, call: Named = NOTHING_NAMED, own: TaskOptions | None = None) -> TaskRoute:
    """Where a call of `name` naming `call` lands (`own`: what the task names itself)."""
    sending = celery_sends(topology, name, call, own.named if own is not None else NOTHING_NAMED)
    keys = set(sending.chosen) if sending.refused is not None else sending.used  # refused: by what it names
    deciding = {sending.chosen[key] for key in keys if key in sending.chosen} or {Source.ROUTE}
    winner = min(deciding, key=list(Source).index)
    named = call if winner is Source.CALL else own.named if winner is Source.TASK and own else NOTHING_NAMED
    shown = Named(**{key: value for key, value in named.items() if key in keys}).shown
    origin = sending.route.origin if sending.route is not None else topology.default_queue_origin
    rules = {
        Source.CALL: f"call: {shown}",
        Source.TASK: f"task: {shown}" + (f" ({own.place})" if own and own.place else ""),
        Source.ROUTE: sending.route.pattern if sending.route is not None else "default_queue",
        Source.DEFAULT: "default_queue",
    }
    refused = sending.refused is not None
    named_here = [key for key in sending.ignored if sending.chosen[key] in (Source.CALL, Source.TASK)]
    return TaskRoute(
        name,
        rules[winner],
        origin.line if origin and winner in (Source.ROUTE, Source.DEFAULT) else None,
        None if refused else sending.destination.exchange,
        None if refused else sending.destination.routing_key,
        sending.delivery.queues,
        None if refused else sending.through,
        dict(sending.chosen),
        tuple(sending.ignored),
        not_followed(sending, named_here) if named_here else None,
        sending.refused,
    )


def names_by_route(topology: Topology, names: Iterable[str]) -> dict[Route | None, list[str]]:
    """`names` grouped by the route Celery picks for each (None: the default queue), in their order."""
    grouped: dict[Route | None, list[str]] = {}
    for name in names:
        grouped.setdefault(route_for(topology, name), []).append(name)
    return grouped


Sendings = dict[tuple[Route | None, str | None], Sending]
"""Sendings already followed, by route (None: the default queue) and task name (None: a name not known)."""


def route_sendings(
    topology: Topology, route: Route | None, routed: Sequence[str], known: Sendings | None = None
) -> list[Sending]:
    """How tasks following `route` are sent when the call names nothing: for each of `routed` (the known names
    Celery sends this way, see ``names_by_route``), or once for an unknown name when none is known. `known` keeps
    what was followed for the next call: a task not named, say, is sent the same way by every caller."""
    exact = route is not None and route.regex is None
    candidates: list[str | None] = [route.pattern] if route is not None and exact else [*routed] or [None]
    known = {} if known is None else known
    found = []
    for name in candidates:
        sending = known.get((route, name))
        if sending is None:
            sending = known[route, name] = sends_by(topology, name, route)
        found.append(sending)
    return found


def entry_named(entry: ScheduleEntry) -> Named:
    """What a schedule entry names: beat sends its queue and options as the call's (``Scheduler.apply_async``)."""
    options = dict(entry.options)
    return Named(entry.queue, options.get("exchange"), options.get("routing_key"))


def entry_sends(topology: Topology, entry: ScheduleEntry, own: Named = NOTHING_NAMED) -> Sending:
    """How beat sends a schedule entry (`own`: what its task names itself)."""
    return celery_sends(topology, entry.task, entry_named(entry), own)


def tasks_by_queue(topology: Topology, registered: Iterable[str] = ()) -> dict[str, list[str]]:
    """For each queue that tasks are routed to, the task names and route patterns that land there.

    Tasks named anywhere in the file (or registered in the app) count. The default queue is always
    routed to, since every task without a route ends up there.
    """
    grouped = names_by_route(topology, known_task_names(topology, registered))
    routed: dict[str, list[str]] = {topology.default_queue: []}
    known: Sendings = {}
    for route in (*topology.routes, None):
        for sending in route_sendings(topology, route, grouped.get(route, ()), known):
            label = route.pattern if route is not None else sending.task
            for queue in sending.delivery.queues:
                if label is not None and label not in routed.setdefault(queue, []):
                    routed[queue].append(label)
    for entry in topology.schedule:  # an entry naming nothing is sent as its task's route says: counted above
        for queue in entry_sends(topology, entry).delivery.queues if entry_named(entry).items() else ():
            if entry.task not in routed.setdefault(queue, []):
                routed[queue].append(entry.task)
    return routed

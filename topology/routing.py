"""Where a task's messages go: Celery's route lookup and RabbitMQ's routing, as pure functions.

Celery (``celery.app.routes.MapRoute``) looks a task name up among exact-name routes first, then
tries glob and regex routes in file order; a task no route matches goes to the default queue. A
route to a queue is published through that queue's first binding (see ``celery_config``), so what
reaches a queue is decided by the exchanges and bindings declared in the file.

RabbitMQ's side follows the broker: direct (equal keys), topic (`*` one word, `#` zero or more),
fanout (all), headers (x-match all/any over typed values), exchange-to-exchange hops, and an
exchange's alternate exchange (its argument, else its policy's: the unroutable net is one) when that
exchange itself matches no binding. A consistent-hash
exchange delivers one copy to one of its bindings.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from topology.model import MATCH, Binding, Destination, Exchange, ExchangeType, Queue, Route, Topology


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
    """How a message meant for `queue` is published: via its first binding, else the default exchange."""
    if queue.bindings:
        first = queue.bindings[0]
        return Destination(first.exchange, first.routing_key)
    return Destination("", queue.name)


def route_destination(topology: Topology, route: Route | None) -> Destination | None:
    """Where messages following `route` (None: the default queue) are published; None if it names nothing."""
    if route is not None and route.exchange is not None:
        return Destination(route.exchange, route.routing_key)
    queue = topology.queue(route.queue if route is not None and route.queue else topology.default_queue)
    return queue_destination(queue) if queue is not None else None


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
    """Where one task goes by routing.yaml: the rule that picks it (and its line), the exchange and key it
    is published with, and the queues it lands in (none: dropped)."""

    task: str
    rule: str  # the route's pattern, or "default_queue"
    line: int | None
    exchange: str | None
    routing_key: str | None
    queues: tuple[str, ...]


def task_route(topology: Topology, name: str) -> TaskRoute:
    route = route_for(topology, name)
    destination = route_destination(topology, route)
    delivery = deliver(topology, destination.exchange, task_message(destination, name)) if destination else None
    origin = route.origin if route is not None else topology.default_queue_origin
    return TaskRoute(
        name,
        route.pattern if route is not None else "default_queue",
        origin.line if origin else None,
        destination.exchange if destination else None,
        destination.routing_key if destination else None,
        delivery.queues if delivery else (),
    )


def names_by_route(topology: Topology, names: Iterable[str]) -> dict[Route | None, list[str]]:
    """`names` grouped by the route Celery picks for each (None: the default queue), in their order."""
    grouped: dict[Route | None, list[str]] = {}
    for name in names:
        grouped.setdefault(route_for(topology, name), []).append(name)
    return grouped


Deliveries = dict[tuple[Destination, str | None], Delivery]
"""Deliveries already followed, by where a task is published and its name (None: a name not known)."""


def route_deliveries(
    topology: Topology, route: Route | None, routed: Sequence[str], known: Deliveries | None = None
) -> list[tuple[str | None, Delivery]]:
    """Where tasks following `route` land: for each of `routed` (the known names Celery sends this way,
    see ``names_by_route``), or once for an unknown name when none is known. `known` keeps what was
    followed for the next call: routes often share a destination, and a task not named, its delivery."""
    destination = route_destination(topology, route)
    if destination is None:
        return []
    exact = route is not None and route.regex is None
    candidates: list[str | None] = [route.pattern] if route is not None and exact else [*routed] or [None]
    known = {} if known is None else known
    found = []
    for name in candidates:
        delivery = known.get((destination, name))
        if delivery is None:
            delivery = known[destination, name] = deliver(
                topology, destination.exchange, task_message(destination, name)
            )
        found.append((name, delivery))
    return found


def tasks_by_queue(topology: Topology, registered: Iterable[str] = ()) -> dict[str, list[str]]:
    """For each queue that tasks are routed to, the task names and route patterns that land there.

    Tasks named anywhere in the file (or registered in the app) count. The default queue is always
    routed to, since every task without a route ends up there.
    """
    grouped = names_by_route(topology, known_task_names(topology, registered))
    routed: dict[str, list[str]] = {topology.default_queue: []}
    known: Deliveries = {}
    for route in (*topology.routes, None):
        for name, delivery in route_deliveries(topology, route, grouped.get(route, ()), known):
            label = route.pattern if route is not None else name
            for queue in delivery.queues:
                if label is not None and label not in routed.setdefault(queue, []):
                    routed[queue].append(label)
    for entry in topology.schedule:
        if entry.queue is not None and entry.task not in routed.setdefault(entry.queue, []):
            routed[entry.queue].append(entry.task)
    return routed

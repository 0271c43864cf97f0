"""Where a task's messages go: Celery's route lookup and RabbitMQ's exchange matching, as pure functions.

Celery (``celery.app.routes.MapRoute``) looks a task name up among exact-name routes first,
then tries glob routes in file order; a task no route matches goes to the default queue.
A route to a queue is published through that queue's first binding (see ``celery_config``), so
what reaches a queue is decided by the exchanges and bindings declared in the file.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from topology.model import Destination, ExchangeType, Queue, Route, Topology


def route_for(topology: Topology, task_name: str) -> Route | None:
    """The route Celery picks for `task_name`, or None when it falls to the default queue."""
    for route in topology.routes:
        if not route.is_glob and route.pattern == task_name:
            return route
    return next((r for r in topology.routes if r.is_glob and fnmatchcase(task_name, r.pattern)), None)


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
    """AMQP topic matching: words split on '.', '*' is exactly one word, '#' zero or more words."""
    return _words_match(pattern.split("."), routing_key.split("."))


def _words_match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_words_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _words_match(rest, words[1:])


def binding_matches(exchange_type: ExchangeType, binding_key: str, routing_key: str) -> bool:
    """Whether a message with `routing_key` passes a binding with `binding_key`.

    Headers bindings without header arguments match every message (x-match=all over nothing).
    """
    if exchange_type is ExchangeType.DIRECT:
        return binding_key == routing_key
    if exchange_type is ExchangeType.TOPIC:
        return topic_matches(binding_key, routing_key)
    return True


def queues_reached(topology: Topology, destination: Destination) -> tuple[str, ...]:
    """Names of the declared queues a message published to `destination` lands in."""
    if destination.exchange == "":
        return (destination.routing_key,) if topology.queue(destination.routing_key) else ()
    exchange = topology.exchange(destination.exchange)
    if exchange is None:
        return ()
    reached = (
        queue.name
        for queue, binding in topology.bindings()
        if binding.exchange == exchange.name
        and binding_matches(exchange.type, binding.routing_key, destination.routing_key)
    )
    return tuple(dict.fromkeys(reached))


def tasks_by_queue(topology: Topology) -> dict[str, list[str]]:
    """For each queue that tasks are routed to, the task names and route patterns that land there.

    Tasks named anywhere in the file count: route patterns and schedule entries. The default
    queue is always routed to, since every task without a route ends up there.
    """
    known = dict.fromkeys([r.pattern for r in topology.routes] + [s.task for s in topology.schedule])
    routed: dict[str, list[str]] = {topology.default_queue: []}
    for name in known:
        route = next((r for r in topology.routes if r.pattern == name), None) or route_for(topology, name)
        destination = route_destination(topology, route)
        for queue in queues_reached(topology, destination) if destination else ():
            routed.setdefault(queue, []).append(name)
    for entry in topology.schedule:
        if entry.queue is not None and entry.task not in routed.setdefault(entry.queue, []):
            routed[entry.queue].append(entry.task)
    return routed

"""Consistency checks on a whole topology: references, names RabbitMQ refuses, routes that lose tasks.

Pure: takes a Topology, returns every Problem found (never stops at the first).
"""

from __future__ import annotations

from collections.abc import Iterator

from topology.model import Problem, Topology
from topology.routing import queues_reached, route_destination

MAX_NAME_BYTES = 255


def check_topology(topology: Topology) -> list[Problem]:
    return [*_check_names(topology), *check_references(topology), *_check_routes_reach_queues(topology)]


def _name_problem(kind: str, name: str) -> str | None:
    if not name:
        return f"{kind} name is empty"
    if name.startswith("amq."):
        return f"{kind} name {name!r} starts with 'amq.', which RabbitMQ reserves for its own objects"
    if len(name.encode()) > MAX_NAME_BYTES:
        return f"{kind} name {name[:40]!r}... is longer than {MAX_NAME_BYTES} bytes, which RabbitMQ refuses"
    return None


def _check_names(topology: Topology) -> Iterator[Problem]:
    for kind, objects in (("exchange", topology.exchanges), ("queue", topology.queues)):
        for obj in objects:
            message = _name_problem(kind, obj.name)
            if message:
                yield Problem(message, obj.origin)


def _undeclared(kind: str, name: str, declared: list[str]) -> str:
    known = ", ".join(repr(n) for n in declared) or "none"
    return f"{kind} {name!r}, which is not declared (declared {kind}s: {known})"


def check_references(topology: Topology) -> Iterator[Problem]:
    exchanges = [e.name for e in topology.exchanges]
    queues = [q.name for q in topology.queues]
    for queue, binding in topology.bindings():
        if binding.exchange not in exchanges:
            yield Problem(
                f"queue {queue.name!r} binds to " + _undeclared("exchange", binding.exchange, exchanges),
                binding.origin,
            )
    for route in topology.routes:
        if route.queue is not None and route.queue not in queues:
            yield Problem(f"route {route.pattern!r} goes to " + _undeclared("queue", route.queue, queues), route.origin)
        if route.exchange is not None and route.exchange not in exchanges:
            yield Problem(
                f"route {route.pattern!r} goes to " + _undeclared("exchange", route.exchange, exchanges), route.origin
            )
    for entry in topology.schedule:
        if entry.queue is not None and entry.queue not in queues:
            yield Problem(
                f"schedule entry {entry.name!r} goes to " + _undeclared("queue", entry.queue, queues), entry.origin
            )
    if topology.default_queue not in queues:
        yield Problem(
            "default_queue names " + _undeclared("queue", topology.default_queue, queues), topology.default_queue_origin
        )


def _check_routes_reach_queues(topology: Topology) -> Iterator[Problem]:
    """A route whose messages no binding matches loses its tasks: RabbitMQ drops them silently."""
    exchanges = {e.name for e in topology.exchanges}
    for route in topology.routes:
        if route.exchange is None or route.exchange not in exchanges:
            continue  # queue routes always reach their queue; undeclared exchanges are reported above
        destination = route_destination(topology, route)
        if destination is not None and not queues_reached(topology, destination):
            yield Problem(
                f"route {route.pattern!r} goes to exchange {route.exchange!r} with routing key "
                f"{route.routing_key!r}, which no binding matches: its tasks would be dropped",
                route.origin,
            )

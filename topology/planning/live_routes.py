"""Where tasks go on the broker as it is: the file's routes followed through the bindings the broker holds.

Celery publishes as routing.yaml says (its routes, and for a queue the binding `routing.queue_sends` picks in
the file, see ``celery_adapter.precedence``), but RabbitMQ routes by what is bound now: a hand-made queue bound with
`report.#` takes a copy of every `tasks.report`. So the destination comes from the file and the delivery
from a topology made of the live vhost's exchanges and bindings. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from topology.codes import Code
from topology.model import (
    Binding,
    Exchange,
    ExchangeType,
    Kind,
    Queue,
    QueueType,
    Ref,
    Topology,
    binding_arguments,
)
from topology.planning.findings import Finding
from topology.planning.observed import LiveBinding, LiveState
from topology.routing import Delivery, deliver, known_task_names, route_destination, route_for, task_message

_TYPES = {t.value: t for t in ExchangeType}
_QUEUE_TYPES = {t.value: t for t in QueueType}


def live_topology(topology: Topology, live: LiveState) -> Topology:
    """`topology`'s routes and default queue over the vhost's exchanges, queues and bindings, by name (so that
    reports list queues in one order whatever order the broker listed them in). An exchange of a type this
    tool does not know routes nothing here (RabbitMQ's plugin decides, not the file)."""
    exchange_bindings: dict[str, list[Binding]] = {}
    queue_bindings: dict[str, list[Binding]] = {}
    for found in sorted(live.bindings, key=_order):
        into = exchange_bindings if found.destination_type is Kind.EXCHANGE else queue_bindings
        into.setdefault(found.destination, []).append(Binding(found.source, found.routing_key, dict(found.arguments)))
    exchanges = tuple(
        Exchange(
            e.name,
            _TYPES[e.type],
            e.durable,
            e.auto_delete,
            e.internal,
            dict(e.arguments),
            tuple(exchange_bindings.get(e.name, ())),
        )
        for e in sorted(live.exchanges.values(), key=lambda e: e.name)
        if e.type in _TYPES
    )
    queues = tuple(
        Queue(
            q.name,
            _QUEUE_TYPES.get(q.type, QueueType.CLASSIC),
            q.durable,
            q.auto_delete,
            dict(q.arguments),
            tuple(queue_bindings.get(q.name, ())),
        )
        for q in sorted(live.queues.values(), key=lambda q: q.name)
    )
    return replace(topology, exchanges=exchanges, queues=queues)


def _order(binding: LiveBinding) -> tuple[str, str, str]:
    return binding.source, binding.destination, binding.routing_key


@dataclass(frozen=True)
class LiveRoute:
    """One task's way: where the file sends it, and where the broker's bindings take it."""

    task: str
    rule: str  # the route's pattern, or "default_queue"
    exchange: str | None
    routing_key: str | None
    declared: Delivery | None  # per routing.yaml (None: the route names nothing)
    live: Delivery | None  # per the broker's bindings

    @property
    def captured(self) -> tuple[str, ...]:
        """Queues the broker delivers to that the file does not."""
        file_queues = set(self.declared.queues) if self.declared else set()
        return tuple(q for q in (self.live.queues if self.live else ()) if q not in file_queues)

    @property
    def lost(self) -> tuple[str, ...]:
        """Queues the file delivers to that the broker does not."""
        live_queues = set(self.live.queues) if self.live else set()
        return tuple(q for q in (self.declared.queues if self.declared else ()) if q not in live_queues)


def live_routes(topology: Topology, live: LiveState, names: Iterable[str] = ()) -> list[LiveRoute]:
    """Each task among `names` (default: every task the file names) followed through the file and the broker."""
    on_broker = live_topology(topology, live)
    routes = []
    for name in names or known_task_names(topology):
        route = route_for(topology, name)
        destination = route_destination(topology, route, name)
        declared = live_delivery = None
        if destination is not None:
            message = task_message(destination, name)
            declared = deliver(topology, destination.exchange, message)
            live_delivery = deliver(on_broker, destination.exchange, message)
        routes.append(
            LiveRoute(
                name,
                route.pattern if route is not None else "default_queue",
                destination.exchange if destination else None,
                destination.routing_key if destination else None,
                declared,
                live_delivery,
            )
        )
    return routes


def capturing_bindings(topology: Topology, live: LiveState, queue: str) -> list[Ref]:
    """The bindings on the broker, not in the file, that lead into `queue` (directly)."""
    declared = {
        Ref.binding(b.exchange, Ref(Kind.QUEUE, q.name), b.routing_key, binding_arguments(b.arguments))
        for q, b in topology.bindings()
        if q.name == queue
    }
    found = [b.ref for b in live.bindings if b.destination == queue and b.destination_type is Kind.QUEUE]
    return sorted((ref for ref in found if ref not in declared), key=str)


def capture_findings(topology: Topology, live: LiveState, routes: Iterable[LiveRoute]) -> list[Finding]:
    """A task the broker's bindings send to a queue the file does not: a copy (or the only one) taken
    where no worker of that task may look."""
    findings = []
    for route in routes:
        for queue in route.captured:
            if queue in topology.nets.names:  # kept by a net: the missing binding or queue is the finding
                continue
            through = capturing_bindings(topology, live, queue)
            how = ", ".join(ref.shown for ref in through) or "bindings not in routing.yaml"
            if route.lost:
                lost = ", ".join(repr(q) for q in route.lost)
                message = (
                    f"{route.task} goes to {queue!r} instead of {lost}, through a binding not in routing.yaml ({how})"
                )
            else:
                message = f"{route.task} also goes to {queue!r} through a binding not in routing.yaml ({how})"
            ref = through[0] if through else Ref(Kind.QUEUE, queue)
            findings.append(Finding(Code.CAPTURED_ROUTE, ref, message))
    return findings

"""A live vhost as a Topology, for bringing an existing broker under routing.yaml. Pure.

Everything a user made is kept (arguments, exchange-to-exchange bindings, policies); what RabbitMQ and
Celery make for themselves is left out, since `apply` must never own it: the default and amq.* exchanges,
Celery's worker control (pidbox), events (celeryev) and native delayed delivery (celery_delayed_*), and
every exclusive or auto-delete queue (a connection's own: pidbox, events and rpc:// reply queues). The
nets' objects are left out too, and what their policies put into the file's own (language/nets.py): the
written file turns the nets on again, as every file does unless it opts out.
The broker knows no task routes: the file routes nothing until routes are written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from topology.model import (
    DEAD_LETTER_NET,
    DEFAULT_OWNER,
    POLICY_ALTERNATE_EXCHANGE,
    POLICY_DEAD_LETTER_EXCHANGE,
    UNROUTABLE_NET,
    Binding,
    Delays,
    Exchange,
    ExchangeType,
    Kind,
    Policy,
    Queue,
    QueueType,
    Topology,
)
from topology.planning.observed import LiveBinding, LiveExchange, LiveQueue, LiveState
from topology.planning.plan import CELERY_EXCHANGES
from topology.routing import deliver, queue_destination, task_message

CELERY_PREFIXES = ("celery_delayed_", "celeryev", "celery.pidbox", "reply.celery.pidbox")
"""Names Celery gives the objects it makes for itself (native delayed delivery, events, remote control)."""
NETS = {UNROUTABLE_NET: POLICY_ALTERNATE_EXCHANGE, DEAD_LETTER_NET: POLICY_DEAD_LETTER_EXCHANGE}
"""The nets' exchanges, queues and managed policies, by their default names, and the policy key each sets."""
LADDER = Delays().names
"""The default delay ladder's exchanges and queues (the bindings from its delivery exchange go with it)."""
DEFAULT_QUEUE_CHOICES = ("celery", "default")
"""The queue names Celery and the seed use for tasks without a route: default_queue when one is there."""


@dataclass(frozen=True)
class Adopted:
    topology: Topology
    left_out: tuple[str, ...]  # what was not adopted, and why (one line each)
    notes: dict[tuple[str, str], tuple[str, ...]]  # comments for the written file, by (section, entry)


def adopt(live: LiveState) -> Adopted:
    left_out: list[str] = []
    exchanges = {
        name: e
        for name, e in sorted(live.exchanges.items())
        if _adoptable_exchange(name, left_out) and _known_type(Kind.EXCHANGE, name, e.type, _EXCHANGE_TYPES, left_out)
    }
    queues = {
        name: q
        for name, q in sorted(live.queues.items())
        if _adoptable_queue(q, left_out) and _known_type(Kind.QUEUE, name, q.type, _QUEUE_TYPES, left_out)
    }
    by_destination: dict[tuple[Kind, str], list[Binding]] = {}
    for found in sorted(live.bindings, key=_order):
        destination_kept = (queues if found.destination_type is Kind.QUEUE else exchanges).get(found.destination)
        if found.source not in exchanges or destination_kept is None:
            continue
        binding = Binding(found.source, found.routing_key, dict(found.arguments))
        by_destination.setdefault((found.destination_type, found.destination), []).append(binding)
    topology = Topology(
        exchanges=tuple(_exchange(e, tuple(by_destination.get((Kind.EXCHANGE, n), ()))) for n, e in exchanges.items()),
        queues=tuple(_queue(q, tuple(by_destination.get((Kind.QUEUE, n), ()))) for n, q in queues.items()),
        default_queue="",
        policies=tuple(
            Policy(p.name, p.pattern, definition, p.priority, p.apply_to)
            for _, p in sorted(live.policies.items())
            if (definition := _without_nets(p.name, p.definition, left_out))
        ),
        owner=_owner([*exchanges.values(), *queues.values()]),
    )
    default_queue, default_note = _default_queue(topology)
    notes = {("default_queue", ""): default_note}
    return Adopted(replace(topology, default_queue=default_queue), tuple(left_out), notes)


def _adoptable_exchange(name: str, left_out: list[str]) -> bool:
    if name == "" or name.startswith("amq."):
        return False  # RabbitMQ's own: in every vhost, never listed in definitions
    if name in NETS or name in LADDER:
        left_out.append(f"exchange {name!r}: {_NET_OWN}")
        return False
    if name in CELERY_EXCHANGES or name.startswith(CELERY_PREFIXES):
        left_out.append(f"exchange {name!r}: Celery's own")
        return False
    return True


def _known_type(kind: Kind, name: str, type_name: str, types: frozenset[str], left_out: list[str]) -> bool:
    if type_name in types:
        return True
    left_out.append(f"{kind.value} {name!r}: type {type_name!r} is not one routing.yaml declares")
    return False


_EXCHANGE_TYPES = frozenset(t.value for t in ExchangeType)
_QUEUE_TYPES = frozenset(t.value for t in QueueType)


def _adoptable_queue(queue: LiveQueue, left_out: list[str]) -> bool:
    if queue.exclusive or queue.auto_delete:
        why = "exclusive" if queue.exclusive else "auto-delete"
        left_out.append(f"queue {queue.name!r}: {why}, a connection's own")
        return False
    if queue.name.startswith(CELERY_PREFIXES):
        left_out.append(f"queue {queue.name!r}: Celery's own")
        return False
    if queue.name in NETS or queue.name in LADDER:
        left_out.append(f"queue {queue.name!r}: {_NET_OWN}")
        return False
    return True


_NET_OWN = "a net's own (routing.yaml turns the nets and the delay ladder on unless it opts out)"


def _without_nets(name: str, definition: Mapping[str, Any], left_out: list[str]) -> dict[str, Any]:
    """A policy's definition without the keys the nets put there (empty for a net's own policy, left out)."""
    if name in NETS:
        left_out.append(f"policy {name!r}: {_NET_OWN}")
        return {}
    kept = {key: v for key, v in definition.items() if not (isinstance(v, str) and NETS.get(v) == key)}
    if definition and not kept:
        left_out.append(f"policy {name!r}: it sets only what the nets set")
    return kept


def _exchange(found: LiveExchange, bindings: tuple[Binding, ...]) -> Exchange:
    return Exchange(
        found.name,
        ExchangeType(found.type),
        found.durable,
        found.auto_delete,
        found.internal,
        dict(found.arguments),
        bindings,
    )


def _queue(found: LiveQueue, bindings: tuple[Binding, ...]) -> Queue:
    return Queue(found.name, QueueType(found.type), found.durable, found.auto_delete, dict(found.arguments), bindings)


def _default_queue(topology: Topology) -> tuple[str, tuple[str, ...]]:
    """Celery's name for it if such a queue exists, else the first queue its own first binding reaches
    (a task is published to a queue through that binding): the broker does not say which it is."""
    reachable = [q.name for q in topology.queues if _reached_by_its_binding(topology, q)]
    chosen = next((name for name in DEFAULT_QUEUE_CHOICES if name in reachable), None)
    if chosen is not None:
        return chosen, (f"tasks without a route: {chosen!r}, the queue Celery names so; check",)
    if reachable:
        return reachable[0], ("tasks without a route: the broker does not say which queue takes them; check",)
    return "celery", ("tasks without a route: no queue is reached through its own binding; declare one",)


def _reached_by_its_binding(topology: Topology, queue: Queue) -> bool:
    destination = queue_destination(queue)
    return queue.name in deliver(topology, destination.exchange, task_message(destination, None)).queues


def _owner(found: list[LiveExchange | LiveQueue]) -> str:
    """The owner that marked every marked object, when there is one, else ours."""
    owners = {o.owner for o in found if o.owner is not None}
    return owners.pop() if len(owners) == 1 else DEFAULT_OWNER


def _order(binding: LiveBinding) -> tuple[str, str, str, str]:
    return (binding.destination, binding.source, binding.routing_key, repr(binding.arguments))

"""A plan as AMQP operations, in phases: what is new first, what goes away after, what is replaced last. Pure.

New exchanges, queues and bindings are declared and bound before anything is unbound or deleted, so an
apply that replaces one queue by another (a binding moved with --prune) has the new route working before
the old one goes: a failure part-way leaves the old route, never none. A recreated queue (same name) can
only be deleted before it is declared again: that comes last, with its bindings, once everything else is done.

Every exchange, queue and binding declared carries our owner marker (x-topology-owner) among its
arguments: RabbitMQ ignores unknown x-arguments when it compares declarations, and the marker is what
lets `--prune` tell our objects from anybody else's. The broker edge (`broker.pipeline`) sends them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from topology.model import OWNER_ARGUMENT, Binding, Exchange, ExchangeDeclaration, Kind, Queue, QueueDeclaration, Ref
from topology.planning.observed import LiveBinding, LiveQueue
from topology.planning.plan import Action, BindingSpec, Change, Plan


@dataclass(frozen=True)
class Operation:
    """One AMQP method (named as pika's channel method, with its `arguments`) about the object `ref`."""

    method: str
    arguments: Mapping[str, Any]
    ref: Ref
    waits: bool = False  # needs the broker's reply (passive declare), or has no nowait form (queue.unbind)
    if_idle: bool = False  # a queue.delete made only if, asked right before, the queue is empty and unconsumed


def operations(planned: Plan) -> list[list[Operation]]:
    """The plan's AMQP operations in phases, each sent once the one before is done: declare, bind (the new
    routes), unbind, delete (the old ones), then delete, declare and bind again each recreated queue."""
    owner = planned.owner
    recreated = {c.ref for c in planned.of(Action.RECREATE)}
    bindings = [c for c in planned.of(Action.CREATE, Action.ENSURE) if c.kind is Kind.BINDING]
    rebound = [c for c in bindings if recreated & set(c.ref.endpoints)]  # bound once their queue is back
    declare = [op for c in planned.of(Action.CREATE) for op in _declare(c, owner)]
    bind = [op for c in bindings if c not in rebound for op in _bind(c, owner)]
    unbind = [op for c in planned.of(Action.DELETE) if c.kind is Kind.BINDING for op in _unbind(c)]
    delete = [op for c in planned.of(Action.DELETE) if c.kind is not Kind.BINDING for op in _delete(c)]
    undeclare = [op for c in planned.of(Action.RECREATE) for op in _delete(c)]
    redeclare = [op for c in planned.of(Action.RECREATE) for op in _declare(c, owner)]
    return [declare, bind, unbind, delete, undeclare, redeclare, [op for c in rebound for op in _bind(c, owner)]]


def declaration(declared: ExchangeDeclaration | QueueDeclaration, owner: str) -> Operation:
    """The declare of an exchange or queue in its "as declared" form, owner marker added."""
    if isinstance(declared, ExchangeDeclaration):
        arguments = {
            "exchange": declared.name,
            "exchange_type": declared.type,
            "durable": declared.durable,
            "auto_delete": declared.auto_delete,
            "internal": declared.internal,
            "arguments": _owned(declared.arguments, owner),
        }
        return Operation("exchange_declare", arguments, Ref(Kind.EXCHANGE, declared.name))
    arguments = {
        "queue": declared.name,
        "durable": declared.durable,
        "auto_delete": declared.auto_delete,
        "arguments": _owned(declared.wire_arguments(), owner),
    }
    return Operation("queue_declare", arguments, Ref(Kind.QUEUE, declared.name))


def passive(ref: Ref) -> Operation:
    """A passive declare: whether the exchange or queue exists (and a queue's ready messages and consumers)."""
    if ref.kind is Kind.EXCHANGE:
        return Operation("exchange_declare", {"exchange": ref.name, "passive": True}, ref, waits=True)
    return Operation("queue_declare", {"queue": ref.name, "passive": True}, ref, waits=True)


def _owned(arguments: Mapping[str, Any], owner: str) -> dict[str, Any]:
    return {**arguments, OWNER_ARGUMENT: owner}


def _declare(change: Change, owner: str) -> Iterator[Operation]:
    if isinstance(change.desired, Exchange | Queue):
        yield declaration(change.desired.declared(), owner)


def _bind(change: Change, owner: str) -> Iterator[Operation]:
    spec = change.desired
    if isinstance(spec, BindingSpec):
        yield bind(spec.ref, spec.binding, owner)


def bind(ref: Ref, binding: Binding, owner: str) -> Operation:
    """The bind of `ref` (a binding of the file, of a queue or an exchange), owner marker added."""
    arguments = {"routing_key": binding.routing_key, "arguments": _owned(binding.arguments, owner)}
    if ref.destination_kind is Kind.QUEUE:
        return Operation("queue_bind", {"queue": ref.name, "exchange": ref.source, **arguments}, ref)
    return Operation("exchange_bind", {"destination": ref.name, "source": ref.source, **arguments}, ref)


def _unbind(change: Change) -> Iterator[Operation]:
    found = change.found
    if isinstance(found, LiveBinding):
        yield unbind(found)


def unbind(found: LiveBinding) -> Operation:
    ref = found.ref
    arguments = {"routing_key": found.routing_key, "arguments": _wire_arguments(found)}
    if found.destination_type is Kind.QUEUE:
        # queue.unbind has no nowait form in AMQP 0-9-1: this one waits for its reply
        return Operation("queue_unbind", {"queue": found.destination, "exchange": found.source, **arguments}, ref, True)
    return Operation("exchange_unbind", {"destination": found.destination, "source": found.source, **arguments}, ref)


def _wire_arguments(found: LiveBinding) -> dict[str, Any]:
    arguments = dict(found.arguments)
    return arguments if found.owner is None else _owned(arguments, found.owner)


def _delete(change: Change) -> Iterator[Operation]:
    """A queue planned as empty and unconsumed (always so for --recreate; for --prune unless --force said
    otherwise) is deleted only if it still is: the broker is asked right before (`if_idle`). Not with
    queue.delete's if-unused and if-empty, which quorum and stream queues refuse (NOT_IMPLEMENTED, closing
    the connection)."""
    ref = change.ref
    if ref.kind is Kind.EXCHANGE:
        yield Operation("exchange_delete", {"exchange": ref.name}, ref)
    elif ref.kind is Kind.QUEUE:
        found = change.found
        idle = not isinstance(found, LiveQueue) or not found.in_use
        yield Operation("queue_delete", {"queue": ref.name}, ref, if_idle=idle)

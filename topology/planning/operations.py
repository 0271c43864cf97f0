"""A plan as AMQP operations, in dependency order: unbind, delete, declare, bind. Pure.

Every exchange, queue and binding declared carries our owner marker (x-topology-owner) among its
arguments: RabbitMQ ignores unknown x-arguments when it compares declarations, and the marker is what
lets `--prune` tell our objects from anybody else's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from topology.broker.pipeline import Operation
from topology.model import OWNER_ARGUMENT, Exchange, Queue
from topology.planning.observed import LiveBinding, LiveExchange, LiveQueue
from topology.planning.plan import Action, BindingTarget, Change, Plan


def operations(planned: Plan) -> list[list[Operation]]:
    """The plan's AMQP operations in dependency order: unbind, delete, declare, bind."""
    owner = planned.owner
    unbind = [op for c in planned.of(Action.DELETE) if c.kind == "binding" for op in _unbind(c)]
    delete = [op for c in planned.of(Action.DELETE, Action.RECREATE) if c.kind != "binding" for op in _delete(c)]
    declare = [op for c in planned.of(Action.CREATE, Action.RECREATE) for op in _declare(c, owner)]
    bind = [op for c in planned.of(Action.CREATE, Action.ENSURE) if c.kind == "binding" for op in _bind(c, owner)]
    return [unbind, delete, declare, bind]


def _owned(arguments: Mapping[str, Any], owner: str) -> dict[str, Any]:
    return {**arguments, OWNER_ARGUMENT: owner}


def _declare(change: Change, owner: str) -> Iterator[Operation]:
    if isinstance(change.target, Exchange | Queue):
        yield declaration(change.target, owner, change.subject)


def declaration(target: Exchange | Queue, owner: str, label: str) -> Operation:
    """The declare of an exchange or queue as routing.yaml has it (owner marker added), named `label`."""
    if isinstance(target, Exchange):
        arguments = {
            "exchange": target.name,
            "exchange_type": target.type.value,
            "durable": target.durable,
            "auto_delete": target.auto_delete,
            "internal": target.internal,
            "arguments": _owned(target.arguments, owner),
        }
        return Operation("exchange_declare", arguments, label)
    arguments = {
        "queue": target.name,
        "durable": target.durable,
        "auto_delete": target.auto_delete,
        "arguments": _owned(target.declare_arguments(), owner),
    }
    return Operation("queue_declare", arguments, label)


def _bind(change: Change, owner: str) -> Iterator[Operation]:
    target = change.target
    if not isinstance(target, BindingTarget):
        return
    binding = target.binding
    arguments = {"routing_key": binding.routing_key, "arguments": _owned(binding.arguments, owner)}
    if target.destination_type == "queue":
        yield Operation(
            "queue_bind", {"queue": target.destination, "exchange": binding.exchange, **arguments}, change.subject
        )
    else:
        yield Operation(
            "exchange_bind",
            {"destination": target.destination, "source": binding.exchange, **arguments},
            change.subject,
        )


def _unbind(change: Change) -> Iterator[Operation]:
    found = change.target
    if not isinstance(found, LiveBinding):
        return
    arguments = {"routing_key": found.routing_key, "arguments": _wire_arguments(found)}
    if found.destination_type == "queue":
        # queue.unbind has no nowait form in AMQP 0-9-1: this one waits for its reply
        yield Operation(
            "queue_unbind", {"queue": found.destination, "exchange": found.source, **arguments}, change.subject, True
        )
    else:
        yield Operation(
            "exchange_unbind", {"destination": found.destination, "source": found.source, **arguments}, change.subject
        )


def _wire_arguments(found: LiveBinding) -> dict[str, Any]:
    arguments = dict(found.arguments)
    return arguments if found.owner is None else _owned(arguments, found.owner)


def _delete(change: Change) -> Iterator[Operation]:
    """Deletes are guarded on the broker too: a queue that got a message or a consumer since the plan stays."""
    target = change.target
    if isinstance(target, LiveExchange):
        yield Operation("exchange_delete", {"exchange": target.name}, change.subject)
    elif isinstance(target, LiveQueue | Queue):
        # planned as empty and unused (always so for --recreate; for --prune unless --force said otherwise)
        guarded = not isinstance(target, LiveQueue) or not target.in_use
        yield Operation(
            "queue_delete", {"queue": target.name, "if_unused": guarded, "if_empty": guarded}, change.subject
        )

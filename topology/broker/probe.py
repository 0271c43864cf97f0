"""The vhost's state over AMQP alone, for when the management API does not answer.

AMQP 0-9-1 cannot list, so only routing.yaml's own exchanges and queues are looked at. A passive declare
of each tells whether it exists (and a queue's ready messages and consumers). Each that exists is then
declared as the file has it: RabbitMQ accepts that without any change when the object is equivalent, and
refuses it (406 PRECONDITION_FAILED, or 405 RESOURCE_LOCKED for another connection's exclusive queue)
naming the first property that differs, which becomes the found side of a conflict. Nothing missing is
declared here, so every conflict is still found before anything changes. Bindings, policies and objects
not in the file stay unseen: the plan binds every binding again (idempotent). `inspect`, which changes
nothing, makes only the passive declares: existence and live counts, not properties.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, TypeVar

from topology.broker.amqp import NOT_FOUND, Refusal
from topology.broker.pipeline import Outcome, run
from topology.broker.settings import Settings
from topology.errors import BrokerUnavailable, ManagementUnreachable
from topology.model import Exchange, ExchangeDeclaration, Kind, Queue, QueueDeclaration, Ref, Topology
from topology.planning.observed import LiveExchange, LiveQueue, LiveState
from topology.planning.operations import Operation, declaration, passive
from topology.values import NOT_SET, parse_rabbitmq_value

RESOURCE_LOCKED = 405
Found = TypeVar("Found", LiveExchange, LiveQueue)


def probe_state(
    topology: Topology, settings: Settings, unreachable: ManagementUnreachable, *, check_properties: bool = True
) -> LiveState:
    """`check_properties`: declare each existing object as the file has it, to learn what differs."""
    targets: dict[Ref, Exchange | Queue] = {Ref(Kind.EXCHANGE, e.name): e for e in topology.exchanges}
    targets |= {Ref(Kind.QUEUE, q.name): q for q in topology.on_broker.queues}
    found = {o.operation.ref: o for o in _run(settings, [passive(ref) for ref in targets], unreachable)}
    existing = {ref: target for ref, target in targets.items() if _exists(found[ref])}
    outcomes = []
    if check_properties:
        probes = [declaration(target.declared(), topology.owner) for target in existing.values()]
        outcomes = _run(settings, probes, unreachable)
    refused = {o.operation.ref: o.refusal for o in outcomes if o.refusal is not None}
    exchanges: dict[str, LiveExchange] = {}
    queues: dict[str, LiveQueue] = {}
    for ref, target in existing.items():
        refusal = refused.get(ref) or found[ref].refusal
        if isinstance(target, Exchange):
            exchanges[target.name] = _differing(_observed_exchange(target.declared()), refusal, unreachable)
        elif refusal is not None and refusal.code == RESOURCE_LOCKED:  # another connection's exclusive queue
            queues[target.name] = replace(_observed_queue(target.declared(), found[ref]), exclusive=True)
        else:
            queues[target.name] = _differing(_observed_queue(target.declared(), found[ref]), refusal, unreachable)
    seen = (
        "only routing.yaml's exchanges and queues can be seen, every binding is bound again (no change where it "
        "exists), and objects not in the file are not looked at"
        if check_properties
        else "routing.yaml's exchanges and queues were found (or not) with live counts; their properties, the "
        "bindings and objects not in the file are not checked"
    )
    unseen = f"{unreachable}. Read over AMQP instead: {seen}"
    return LiveState(settings.vhost, exchanges, queues, frozenset(), unseen=unseen)


def _run(settings: Settings, operations: list[Operation], unreachable: ManagementUnreachable) -> list[Outcome]:
    try:
        return run(settings, [operations])
    except BrokerUnavailable as error:  # one line that tells of both
        raise BrokerUnavailable(f"{error} (and the management API did not answer either: {unreachable})") from None


def _exists(outcome: Outcome) -> bool:
    """Answered, or refused as another connection's exclusive queue (which exists, but is not ours to see)."""
    return outcome.reply is not None or (outcome.refusal is not None and outcome.refusal.code != NOT_FOUND)


def _observed_exchange(declared: ExchangeDeclaration) -> LiveExchange:
    return LiveExchange(**{f.name: getattr(declared, f.name) for f in fields(ExchangeDeclaration)})


def _observed_queue(declared: QueueDeclaration, passive: Outcome) -> LiveQueue:
    reply = passive.reply
    return LiveQueue(
        **{f.name: getattr(declared, f.name) for f in fields(QueueDeclaration)},
        messages_ready=reply.message_count if reply is not None else None,
        consumers=reply.consumer_count if reply is not None else None,
    )


def _differing(found: Found, refusal: Refusal | None, unreachable: ManagementUnreachable) -> Found:
    """`found` (what the file declares, which RabbitMQ found equivalent) with the property it refused."""
    if refusal is None:
        return found
    inequivalent = refusal.inequivalent
    if inequivalent is None:  # e.g. 403: the explanation names the grant
        raise BrokerUnavailable(f"{unreachable}; RabbitMQ refused the declare that checks it: {refusal.explanation}")
    prop, _, current = inequivalent
    value = parse_rabbitmq_value(current)
    if prop in ("durable", "auto_delete", "internal") or (prop == "type" and isinstance(found, LiveExchange)):
        flag: dict[str, Any] = {prop: value}
        return replace(found, **flag)
    if prop == "x-queue-type" and isinstance(found, LiveQueue):
        return replace(found, type=str(value) if value is not NOT_SET else "classic")
    arguments = {k: v for k, v in found.arguments.items() if k != prop}
    if value is not NOT_SET:
        arguments[prop] = value if value != found.arguments.get(prop) else current  # differs, as RabbitMQ says
    return replace(found, arguments=arguments)

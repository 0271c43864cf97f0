"""A checked routing.yaml document as the model: each object with its place in the file, the nets added."""

from __future__ import annotations

from typing import Any

from topology.language.nets import nets_of, with_nets
from topology.language.schema import BindingDoc, DelaysDoc, Document, ExchangeDoc, QueueDoc, RouteDoc, ScheduleDoc
from topology.language.yaml_source import Path, Positions
from topology.model import (
    MATCH,
    Binding,
    Delays,
    Exchange,
    ExchangeType,
    Origin,
    Policy,
    Publishing,
    Queue,
    QueueType,
    Route,
    ScheduleEntry,
    Topology,
)


def to_topology(doc: Document, positions: Positions) -> Topology:
    return with_nets(_declared_topology(doc, positions))


def _declared_topology(doc: Document, positions: Positions) -> Topology:
    return Topology(
        exchanges=tuple(_exchange(name, e, positions) for name, e in doc.exchanges.items()),
        queues=tuple(_queue(name, q, positions) for name, q in doc.queues.items()),
        routes=tuple(_route(pattern, r, positions) for pattern, r in doc.routes.items()),
        default_queue=doc.default_queue,
        default_queue_origin=positions.of_value(("default_queue",)),
        schedule=tuple(_schedule_entry(name, s, positions) for name, s in doc.schedule.items()),
        app=doc.app,
        policies=tuple(
            Policy(
                name,
                p.queue_pattern(),
                p.full_definition(),
                p.priority,
                p.apply_to,
                tuple(p.queues or ()),
                positions.of_key(("policies", name)),
            )
            for name, p in doc.policies.items()
        ),
        owner=doc.owner,
        rabbitmq=doc.rabbitmq,
        nets=nets_of(doc.unroutable, doc.dead_letters, _delays(doc, positions)),
        publishing=Publishing(doc.publish.confirm_timeout),
        max_runs=doc.max_runs,
    )


def _delays(doc: Document, positions: Positions) -> Delays | None:
    if doc.delays is False:
        return None
    written = doc.delays if isinstance(doc.delays, DelaysDoc) else DelaysDoc()
    return Delays(written.prefix, written.levels, positions.of_key(("delays",)))


def _route(pattern: str, doc: RouteDoc, positions: Positions) -> Route:
    at: Path = ("routes", pattern)
    written = {key: positions.values[(*at, key)] for key in RouteDoc.model_fields if (*at, key) in positions.values}
    return Route(pattern, doc.queue, doc.exchange, doc.routing_key or "", doc.priority, positions.of_key(at), written)


def _bindings(docs: list[BindingDoc], at: Path, positions: Positions) -> tuple[Binding, ...]:
    """One model binding per routing key; headers bindings carry x-match and the header values."""
    bindings = []
    for i, doc in enumerate(docs):
        arguments: dict[str, Any] = {}
        if doc.match is not None or doc.headers is not None:
            arguments = {MATCH: doc.match or "all", **(doc.headers or {})}
        several = len(doc.routing_key) > 1
        for k, key in enumerate(doc.routing_key):
            origin = positions.of_value((*at, i, "routing_key", k) if several else (*at, i))
            bindings.append(Binding(doc.exchange, key, arguments, origin))
    return tuple(bindings)


def _exchange(name: str, doc: ExchangeDoc, positions: Positions) -> Exchange:
    at: Path = ("exchanges", name)
    arguments, origins = _arguments(at, doc.named_arguments(), doc.arguments, positions)
    return Exchange(
        name,
        ExchangeType(doc.type),
        doc.durable,
        doc.auto_delete,
        doc.internal,
        arguments,
        _bindings(doc.bindings, (*at, "bindings"), positions),
        positions.of_key(at),
        origins,
    )


def _queue(name: str, doc: QueueDoc, positions: Positions) -> Queue:
    at: Path = ("queues", name)
    arguments, origins = _arguments(at, doc.named_arguments(), doc.arguments, positions)
    return Queue(
        name,
        QueueType(doc.type),
        doc.durable,
        doc.auto_delete,
        arguments,
        _bindings(doc.bindings, (*at, "bindings"), positions),
        positions.of_key(at),
        origins,
        tuple(doc.fed_by),
        doc.max_runs,
        doc.broadcast,
    )


_SETTINGS = ("type", "durable", "auto_delete", "internal")


def _arguments(
    at: Path, named: dict[str, tuple[str, Any]], raw: dict[str, Any], positions: Positions
) -> tuple[dict[str, Any], dict[str, Origin]]:
    """The wire table from named options and raw `arguments`, and where each setting and entry was written."""
    values = {arg: value for arg, (_, value) in named.items()} | dict(raw)
    origins = {key: positions.keys[(*at, key)] for key in _SETTINGS if (*at, key) in positions.keys}
    origins |= {arg: positions.of_key((*at, key)) for arg, (key, _) in named.items()}
    origins |= {arg: positions.of_key((*at, "arguments", arg)) for arg in raw}
    return values, origins


def _schedule_entry(name: str, doc: ScheduleDoc, positions: Positions) -> ScheduleEntry:
    options = {k: v for k, v in doc.options.model_dump().items() if v is not None}
    return ScheduleEntry(
        name,
        doc.task,
        doc.every,
        doc.cron,
        tuple(doc.args),
        tuple(doc.kwargs.items()),
        doc.queue,
        tuple(options.items()),
        positions.of_key(("schedule", name)),
        doc.relative,
    )

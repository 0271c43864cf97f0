"""A Topology written back as routing.yaml text, for the commands that make a file (import-celery, adopt).

Plain PyYAML with comment lines of our own: the file is built entry by entry (each a one-line flow mapping
when it fits, as the seed's file is written), so a note can go on the line above the entry it is about.
A comment-keeping round-trip library (ruamel.yaml) would buy nothing here: nothing is read back and
edited, and it would be a dependency for this alone.

Each x-argument is written as its named option (`message_ttl: 5000ms`) when the schema reads it back to
the same wire value, else under `arguments:` as it is; what the schema cannot hold at all (a float, a
nested table) is left out with a note, so that the written file always loads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError

from topology.language.schema import QUEUE_OPTIONS, BindingDoc, ExchangeDoc, PolicyDoc, QueueDoc
from topology.model import (
    ALTERNATE_EXCHANGE,
    DEFAULT_OWNER,
    DELAYED_TYPE,
    MATCH,
    Binding,
    Exchange,
    ExchangeType,
    Policy,
    Queue,
    QueueType,
    Route,
    ScheduleEntry,
    Topology,
)

LINE_LENGTH = 120
Notes = Mapping[tuple[str, str], tuple[str, ...]]
"""Comment lines for an entry, by (section, entry name): written on the lines above it."""


@dataclass(frozen=True)
class Written:
    """An entry as routing.yaml writes it, and what of it could not be written."""

    value: Any
    left_out: tuple[str, ...] = ()


@dataclass
class _Sections:
    header: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def topology_yaml(topology: Topology, notes: Notes | None = None, header: Iterable[str] = ()) -> str:
    """routing.yaml for `topology`; `notes` become comments above their entries, `header` above it all."""
    notes = notes or {}
    out = _Sections(header=[f"# {line}" if line else "#" for line in header])
    if topology.app:
        out.lines.append(f"app: {_scalar(topology.app)}")
    if topology.rabbitmq:
        out.lines.append(f"rabbitmq: {_scalar(topology.rabbitmq)}")
    _section(out, "exchanges", ((e.name, exchange_entry(e)) for e in topology.exchanges), notes)
    _section(out, "queues", ((q.name, queue_entry(q)) for q in topology.queues), notes)
    _section(out, "routes", ((r.pattern, Written(route_entry(r))) for r in topology.routes), notes)
    out.lines.extend(_comments(notes.get(("default_queue", ""), ()), ""))
    out.lines.append(f"default_queue: {_scalar(topology.default_queue)}")
    _section(out, "schedule", ((s.name, Written(schedule_entry(s))) for s in topology.schedule), notes)
    _section(out, "policies", ((p.name, policy_entry(p)) for p in topology.policies), notes)
    if topology.owner != DEFAULT_OWNER:
        out.lines.append(f"owner: {_scalar(topology.owner)}")
    return "\n".join([*out.header, *out.lines]) + "\n"


def _section(out: _Sections, name: str, entries: Iterable[tuple[str, Written]], notes: Notes) -> None:
    written = list(entries)
    if not written:
        return
    out.lines.append(f"{name}:")
    for key, entry in written:
        out.lines.extend(_comments([*notes.get((name, key), ()), *entry.left_out], "  "))
        out.lines.extend(_entry(key, entry.value))


def _comments(lines: Iterable[str], indent: str) -> list[str]:
    return [f"{indent}# {line}" for text in lines for line in text.splitlines()]


def _entry(key: str, value: Any) -> list[str]:
    """`  key: {flow}` when it fits on a line, else the entry in block style."""
    flow = f"  {_scalar(key)}: {_flow(value)}"
    if len(flow) <= LINE_LENGTH:
        return [flow]
    block = yaml.safe_dump({key: value}, default_flow_style=False, sort_keys=False, allow_unicode=True)
    return ["  " + line for line in block.splitlines()]


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False, allow_unicode=True)
    return text.removesuffix("\n...\n").strip()


def _scalar(value: str) -> str:
    return _flow(value)


def exchange_entry(exchange: Exchange) -> Written:
    doc: dict[str, Any] = {"type": exchange.type.value}
    doc |= _flags(exchange.durable, exchange.auto_delete, exchange.internal)
    arguments = dict(exchange.arguments)
    if isinstance(arguments.get(ALTERNATE_EXCHANGE), str):
        doc["alternate_exchange"] = arguments.pop(ALTERNATE_EXCHANGE)
    delayed = arguments.get(DELAYED_TYPE)
    if exchange.type is ExchangeType.DELAYED_MESSAGE and delayed in ("direct", "topic", "fanout", "headers"):
        doc["delayed_type"] = arguments.pop(DELAYED_TYPE)
    raw, left_out = _table(arguments, f"exchange {exchange.name!r}")
    if raw:
        doc["arguments"] = raw
    bindings, dropped = _bindings(exchange.bindings, f"exchange {exchange.name!r}")
    if bindings:
        doc["bindings"] = bindings
    return _checked(ExchangeDoc, doc, (*left_out, *dropped))


def queue_entry(queue: Queue) -> Written:
    if queue.broadcast:
        bindings, dropped = _bindings(queue.bindings, f"queue {queue.name!r}")
        return _checked(QueueDoc, {"broadcast": True, "bindings": bindings}, dropped)
    doc: dict[str, Any] = {} if queue.type is QueueType.CLASSIC else {"type": queue.type.value}
    doc |= _flags(queue.durable, queue.auto_delete, False)
    raw, left_out = _table(queue.arguments, f"queue {queue.name!r}")
    named = _named(doc, raw)
    bindings, dropped = _bindings(queue.bindings, f"queue {queue.name!r}")
    if bindings:
        named["bindings"] = bindings
    return _checked(QueueDoc, named, (*left_out, *dropped))


def policy_entry(policy: Policy) -> Written:
    doc: dict[str, Any] = {"queues": list(policy.queues)} if policy.queues else {"pattern": policy.pattern}
    if policy.priority:
        doc["priority"] = policy.priority
    if policy.apply_to != "queues":
        doc["apply_to"] = policy.apply_to
    raw, left_out = _table(policy.definition, f"policy {policy.name!r}")
    doc["definition"] = raw
    return _checked(PolicyDoc, doc, left_out)


def route_entry(route: Route) -> Any:
    if route.queue is not None and route.priority is None:
        return route.queue
    doc: dict[str, Any] = {"queue": route.queue} if route.queue is not None else {}
    if route.exchange is not None:
        doc |= {"exchange": route.exchange, "routing_key": route.routing_key}
    if route.priority is not None:
        doc["priority"] = route.priority
    return doc


def schedule_entry(entry: ScheduleEntry) -> dict[str, Any]:
    doc: dict[str, Any] = {"task": entry.task}
    if entry.cron is not None:
        doc["cron"] = entry.cron
    else:
        every = entry.every or 0
        doc["every"] = int(every) if float(every).is_integer() else every
        if entry.relative:
            doc["relative"] = True
    if entry.args:
        doc["args"] = list(entry.args)
    if entry.kwargs:
        doc["kwargs"] = dict(entry.kwargs)
    if entry.queue is not None:
        doc["queue"] = entry.queue
    if entry.options:
        doc["options"] = dict(entry.options)
    return doc


def _flags(durable: bool, auto_delete: bool, internal: bool) -> dict[str, Any]:
    flags: dict[str, Any] = {} if durable else {"durable": False}
    if auto_delete:
        flags["auto_delete"] = True
    if internal:
        flags["internal"] = True
    return flags


def _table(arguments: Mapping[str, Any], owner: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The arguments routing.yaml can hold (text, whole numbers, true/false), and a note for each other."""
    kept: dict[str, Any] = {}
    left_out = []
    for key, value in arguments.items():
        if isinstance(value, (str, int, bool)):
            kept[key] = value
        else:
            left_out.append(f"left out: {key}={value!r} of {owner} (routing.yaml holds only text, numbers, true/false)")
    return kept, tuple(left_out)


def _named(doc: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    """`doc` with each x-argument as its named option where the schema reads it back to the same value."""
    by_argument = {argument: option for option, argument in QUEUE_OPTIONS.items()}
    named = dict(doc)
    rest: dict[str, Any] = {}
    for argument, value in raw.items():
        option = by_argument.get(argument)
        if option is None:
            rest[argument] = value
            continue
        spelled = _spelled(option, value)
        try:
            readback = QueueDoc.model_validate({**doc, option: spelled}).named_arguments().get(argument)
        except ValidationError:
            readback = None
        if readback is not None and readback[1] == value:
            named[option] = spelled
        else:
            rest[argument] = value
    if rest:
        named["arguments"] = rest
    return named


_MILLISECONDS = frozenset({"message_ttl", "expires"})


def _spelled(option: str, value: Any) -> Any:
    """A wire value as routing.yaml writes the named option: milliseconds take their unit."""
    if option in _MILLISECONDS and isinstance(value, int) and not isinstance(value, bool):
        return f"{value}ms"
    return value


def _bindings(bindings: Iterable[Binding], owner: str) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """Bindings as routing.yaml writes them: one entry per exchange and header match, keys listed together."""
    grouped: dict[tuple[str, tuple[tuple[str, Any], ...]], list[str]] = {}
    left_out = []
    for binding in bindings:
        arguments = dict(binding.arguments)
        if arguments and (arguments.get(MATCH) not in ("all", "any") or not _headers_only(arguments)):
            left_out.append(
                f"left out: binding from {binding.exchange!r} with key {binding.routing_key!r} and arguments "
                f"{arguments!r} of {owner} (routing.yaml binds on headers with x-match all or any)"
            )
            continue
        grouped.setdefault((binding.exchange, tuple(arguments.items())), []).append(binding.routing_key)
    docs = []
    for (exchange, header_arguments), keys in grouped.items():
        doc: dict[str, Any] = {"exchange": exchange}
        if keys != [""]:
            doc["routing_key"] = keys[0] if len(keys) == 1 else keys
        if header_arguments:
            table = dict(header_arguments)
            doc["match"] = table.pop(MATCH)
            doc["headers"] = table
        BindingDoc.model_validate(doc)
        docs.append(doc)
    return docs, tuple(left_out)


def _headers_only(arguments: Mapping[str, Any]) -> bool:
    return all(
        key == MATCH or (not key.startswith("x-") and (value is None or isinstance(value, (str, int, bool))))
        for key, value in arguments.items()
    )


def _checked(
    model: type[ExchangeDoc | QueueDoc | PolicyDoc],
    doc: dict[str, Any],
    left_out: tuple[str, ...],
) -> Written:
    model.model_validate(doc)  # a bug here, not the user's: the writer makes only what the schema reads
    return Written(doc, left_out)

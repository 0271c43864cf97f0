"""The routing.yaml file format: a strict schema, its error messages, and its translation to the model.

The schema describes what a user writes (shorthands, defaults); ``to_topology`` turns a checked
document into the model, attaching each object's place in the file.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails

from topology.model import Binding, Exchange, ExchangeType, Problem, Queue, Route, ScheduleEntry, Topology
from topology.yaml_source import Path, Positions


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class ExchangeDoc(_Strict):
    type: Literal["direct", "topic", "fanout", "headers"]
    durable: bool = True
    auto_delete: bool = False


class BindingDoc(_Strict):
    exchange: str
    routing_key: str = ""


class QueueDoc(_Strict):
    durable: bool = True
    bindings: list[BindingDoc] = []


class RouteDoc(_Strict):
    queue: str | None = None
    exchange: str | None = None
    routing_key: str | None = None

    @model_validator(mode="after")
    def _one_destination(self) -> RouteDoc:
        if (self.queue is None) == (self.exchange is None):
            raise ValueError("a route names either a queue, or an exchange with a routing_key")
        if self.queue is not None and self.routing_key is not None:
            raise ValueError("routing_key goes with exchange; a route to a queue uses the queue's binding")
        return self


def _queue_shorthand(value: Any) -> Any:
    """`tasks.taskA: for_task_A` means `tasks.taskA: {queue: for_task_A}`."""
    return {"queue": value} if isinstance(value, str) else value


class ScheduleDoc(_Strict):
    task: str
    every: Annotated[float, Field(gt=0)]
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    queue: str | None = None


class Document(_Strict):
    exchanges: dict[str, ExchangeDoc] = {}
    queues: dict[str, QueueDoc] = {}
    routes: dict[str, Annotated[RouteDoc, BeforeValidator(_queue_shorthand)]] = {}
    default_queue: str
    schedule: dict[str, ScheduleDoc] = {}


@dataclass(frozen=True)
class Parsed:
    """A checked document, or the problems with one plus what is left once broken entries are set aside.

    `partial` keeps every declared name (broken exchanges and queues become bare placeholders, broken
    routes and schedule entries are dropped), so that reference checks can still run in the same pass.
    """

    document: Document | None
    problems: list[Problem]
    partial: Document | None = None


_PLACEHOLDERS: dict[str, Any] = {"exchanges": {"type": "direct"}, "queues": {}}


def parse_document(data: Any, positions: Positions) -> Parsed:
    if data is None:
        return Parsed(None, [Problem(_EMPTY, positions.of_value(()))])
    try:
        return Parsed(Document.model_validate(data), [])
    except ValidationError as error:
        details = error.errors()
    problems = [_problem(detail, positions) for detail in details]
    pruned = _set_aside(data, {tuple(d["loc"][:2]) for d in details})
    if pruned is None:
        return Parsed(None, problems)
    try:
        return Parsed(None, problems, Document.model_validate(pruned))
    except ValidationError:
        return Parsed(None, problems)


_ENTRY_SECTIONS = ("exchanges", "queues", "routes", "schedule")


def _set_aside(data: Any, broken: set[Path]) -> dict[str, Any] | None:
    """`data` with each broken entry replaced by a placeholder or dropped; None if the breakage is wider."""
    if not isinstance(data, dict) or any(len(loc) != 2 or loc[0] not in _ENTRY_SECTIONS for loc in broken):
        return None
    pruned = {key: dict(value) if key in _ENTRY_SECTIONS else value for key, value in data.items()}
    for section, name in broken:
        if section in _PLACEHOLDERS:
            pruned[str(section)][name] = _PLACEHOLDERS[str(section)]
        else:
            del pruned[str(section)][name]
    return pruned


_EMPTY = "the file is empty: expected queues, exchanges, routes and default_queue"


_TYPE_NAMES = {
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "list_type": "a list",
    "string_type": "a string",
    "bool_type": "true or false",
    "float_type": "a number",
    "int_type": "a whole number",
}


def _problem(detail: ErrorDetails, positions: Positions) -> Problem:
    loc: Path = tuple(detail["loc"])
    kind = detail["type"]
    name = repr(loc[-1]) if loc else "the document"
    if kind == "extra_forbidden":
        return Problem(_unknown_key(loc), positions.of_key(loc))
    if kind == "missing":
        where = f" in {loc[-2]!r}" if len(loc) > 1 else ""
        return Problem(f"missing required key {loc[-1]!r}{where}", positions.of_key(loc[:-1]))
    if kind in _TYPE_NAMES:
        message = f"{name} should be {_TYPE_NAMES[kind]}, got {_show(detail['input'])}"
    elif kind == "value_error":
        message = detail["msg"].removeprefix("Value error, ")
    else:
        message = f"{name}: {detail['msg'][0].lower()}{detail['msg'][1:]}, got {_show(detail['input'])}"
    return Problem(message, positions.of_value(loc))


def _show(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return "nothing" if value is None else repr(value)


def _unknown_key(loc: Path) -> str:
    allowed = _fields_at(loc[:-1])
    message = f"unknown key {loc[-1]!r}"
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    if close:
        return f"{message} (did you mean {close[0]!r}?)"
    return f"{message} (expected one of: {', '.join(allowed)})" if allowed else message


def _fields_at(loc: Path) -> list[str]:
    """The keys the schema allows in the mapping at `loc`."""
    current: Any = Document
    for part in loc:
        current = _unannotated(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            current = field.annotation if field else None
        else:
            args = get_args(current)  # dict[str, X] or list[X]: the items are X
            current = args[-1] if args else None
    current = _unannotated(current)
    return list(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []


def _unannotated(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def to_topology(doc: Document, positions: Positions) -> Topology:
    return Topology(
        exchanges=tuple(
            Exchange(name, ExchangeType(e.type), e.durable, e.auto_delete, positions.of_key(("exchanges", name)))
            for name, e in doc.exchanges.items()
        ),
        queues=tuple(
            Queue(
                name,
                q.durable,
                tuple(
                    Binding(b.exchange, b.routing_key, positions.of_value(("queues", name, "bindings", i)))
                    for i, b in enumerate(q.bindings)
                ),
                positions.of_key(("queues", name)),
            )
            for name, q in doc.queues.items()
        ),
        routes=tuple(
            Route(pattern, r.queue, r.exchange, r.routing_key or "", positions.of_key(("routes", pattern)))
            for pattern, r in doc.routes.items()
        ),
        default_queue=doc.default_queue,
        default_queue_origin=positions.of_value(("default_queue",)),
        schedule=tuple(
            ScheduleEntry(
                name,
                s.task,
                s.every,
                tuple(s.args),
                tuple(s.kwargs.items()),
                s.queue,
                positions.of_key(("schedule", name)),
            )
            for name, s in doc.schedule.items()
        ),
    )

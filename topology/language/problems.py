"""What the schema refuses, as one message per problem with its place in the file, and the document with its
broken parts set aside, so that the reference checks still run in the same pass."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from topology.language.schema import Document, show_value
from topology.language.yaml_source import Path, Positions
from topology.model import Problem


@dataclass(frozen=True)
class Parsed:
    """A checked document, or the problems with one plus what is left once broken parts are set aside.

    `partial` keeps every declared name (a broken setting is dropped, a broken entry becomes a bare
    placeholder or is dropped, a broken default_queue is taken to be a declared queue), so that the
    reference checks can still run in the same pass. It is None when what is broken is a whole
    `exchanges` or `queues` section: every reference to one would then be reported wrongly."""

    document: Document | None
    problems: list[Problem]
    partial: Document | None = None


_PLACEHOLDERS: dict[str, Any] = {"exchanges": {"type": "direct"}, "queues": {}}
_DECLARING = ("exchanges", "queues")
_SETTING_ASIDE_ROUNDS = 4  # a dropped setting may leave its entry missing a required one: then the entry goes


def parse_document(data: Any, positions: Positions) -> Parsed:
    if data is None:
        return Parsed(None, [Problem(_EMPTY, positions.of_value(()))])
    try:
        return Parsed(Document.model_validate(data), [])
    except ValidationError as error:
        details = error.errors()
    problems = [_problem(detail, positions) for detail in details]
    pruned: Any = data
    for _ in range(_SETTING_ASIDE_ROUNDS):
        pruned = _set_aside(pruned, [_settable(tuple(d["loc"]), d["type"]) for d in details])
        if pruned is None:
            return Parsed(None, problems)
        try:
            return Parsed(None, problems, Document.model_validate(pruned))
        except ValidationError as error:
            details = error.errors()
    return Parsed(None, problems)


def _set_aside(data: Any, broken: list[Path]) -> dict[str, Any] | None:
    """`data` without what each location in `broken` names (copied where changed, never changed in
    place); None when a broken part cannot be set aside without making the reference checks wrong."""
    if not isinstance(data, dict):
        return None
    pruned = dict(data)
    # the highest list index first, so that removing an item does not move the next one to remove
    for loc in sorted(set(broken), key=_deepest_last_index_first):
        if not loc or (len(loc) == 1 and loc[0] in _DECLARING):
            return None
        if loc == ("default_queue",):
            queues = pruned.get("queues")
            if not isinstance(queues, dict) or not queues or not all(isinstance(q, str) for q in queues):
                return None
            pruned["default_queue"] = next(iter(queues))  # set aside: a declared name is checked as nothing
        elif len(loc) == 2 and loc[0] in _PLACEHOLDERS:
            _replace(pruned, loc, _PLACEHOLDERS[str(loc[0])])
        else:
            _replace(pruned, loc, None)
    return pruned


def _settable(loc: Path, kind: str) -> Path:
    """The part to set aside for an error of `kind` at `loc`: a key's error is its entry's; a missing
    setting, below the top level, is its container's; else the value at `loc` itself."""
    if loc and loc[-1] == "[key]":
        return loc[:-1]
    return loc[:-1] if kind == "missing" and len(loc) > 1 else loc


def _deepest_last_index_first(loc: Path) -> list[tuple[int, str]]:
    return [(-part, "") if isinstance(part, int) else (0, str(part)) for part in loc]


def _replace(data: dict[str, Any], loc: Path, value: Any) -> None:
    """Put `value` at `loc` in `data` (None: remove what is there), copying each container on the way."""
    container: Any = data
    for part in loc[:-1]:
        child = container[part] if _holds(container, part) else None
        if not isinstance(child, (dict, list)):
            return
        container[part] = child = dict(child) if isinstance(child, dict) else list(child)
        container = child
    last = loc[-1]
    if not _holds(container, last):
        return
    if value is not None:
        container[last] = value
    else:
        del container[last]


def _holds(container: Any, part: str | int) -> bool:
    if isinstance(container, dict):
        return part in container
    return isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container)


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
        message = f"{name} should be {_TYPE_NAMES[kind]}, got {show_value(detail['input'])}"
    elif kind == "literal_error":
        choices = re.findall(r"'([^']*)'|(\d+)", str(detail.get("ctx", {}).get("expected", "")))
        allowed = [text or number for text, number in choices]
        close = difflib.get_close_matches(str(detail["input"]), allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        message = f"{name} should be one of {', '.join(allowed)}; got {show_value(detail['input'])}{hint}"
    elif kind == "value_error":
        message = detail["msg"].removeprefix("Value error, ")
        message = f"{name}: {message}" if len(loc) > 2 else message  # entry-wide rules speak for themselves
    else:
        message = f"{name}: {detail['msg'][0].lower()}{detail['msg'][1:]}, got {show_value(detail['input'])}"
    return Problem(message, positions.of_value(loc))


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

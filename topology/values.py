"""Values as RabbitMQ words them and as reports show them: one parser and one display, used everywhere.

RabbitMQ names the property it refused in a 406 as "the value '5' of type 'signedint'", 'true' or none;
routing.yaml writes 5, true, or leaves it out. Reports show booleans as YAML does and an absent value as
"not set", whichever side it is on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

INTEGER_TYPES = frozenset({"byte", "short", "signedint", "long", "unsignedbyte", "unsignedshort", "unsignedint"})
_TYPED = re.compile(r"the value '(.*)' of type '(\w+)'")
_INTEGER = re.compile(r"-?\d+")


class _NotSet:
    """An x-argument or property absent on one side of a comparison."""

    def __repr__(self) -> str:
        return "not set"

    __str__ = __repr__


NOT_SET = _NotSet()


def parse_rabbitmq_value(text: str) -> object:
    """RabbitMQ's rendering of a value in a 406 as routing.yaml would write it: 'true' is True,
    "the value '5' of type 'signedint'" is 5, none is NOT_SET."""
    if text == "none":
        return NOT_SET
    typed = _TYPED.fullmatch(text)
    raw, kind = typed.groups() if typed else (text.strip("'"), "")
    if raw in ("true", "false") and kind in ("", "bool"):
        return raw == "true"
    if kind in INTEGER_TYPES or (not kind and _INTEGER.fullmatch(raw)):
        return int(raw)
    return raw


def show(value: object) -> str:
    """A value as reports print it: true/false, {k: v} for tables, 'not set' for an absent one."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "not set"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in sorted(value.items())) + "}" if value else "none"
    return str(value)

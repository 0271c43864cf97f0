"""Cron lines as Celery beat reads them, checked without importing Celery.

The grammar and its error messages are those of `celery.schedules.crontab_parser` (Celery 5), so that a
line routing.yaml accepts is one beat accepts; `tests/unit/test_cron.py` compares the two on generated
lines. The language layer must not import the Celery adapter: checking a file never needs Celery.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
_BOUNDS = {"minute": (60, 0), "hour": (24, 0), "day_of_month": (31, 1), "month_of_year": (12, 1), "day_of_week": (7, 0)}
WEEKDAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
MONTHS = {
    m: n for n, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
_RANGE = r"(\w+?)-(\w+)"
_STEPS = r"/(\w+)?"
_STAR = r"\*"


def cron_fields(expression: str) -> dict[str, str]:
    """A five-field cron line ("0 3 * * *") by field name; ValueError says what is wrong, as Celery would."""
    fields = expression.split()
    if len(fields) != len(CRON_FIELDS):
        raise ValueError(f"a cron line has five fields ({' '.join(CRON_FIELDS)}), got {len(fields)}: {expression!r}")
    named = dict(zip(CRON_FIELDS, fields, strict=True))
    try:
        for name, spec in named.items():
            expand(spec, *_BOUNDS[name])
    except ValueError as error:
        raise ValueError(f"{expression!r} is not a valid cron line: {error}") from None
    return named


def expand(spec: str, max_: int, min_: int = 0) -> set[int]:
    """The values `spec` stands for ('*/15' -> {0, 15, 30, 45}), as `crontab_parser(max_, min_).parse`."""
    values: set[int] = set()
    for part in spec.split(","):
        if not part:
            raise ValueError("empty part")
        values |= set(_part(part, max_, min_))
    return values


def _part(part: str, max_: int, min_: int) -> list[int]:
    handlers: tuple[tuple[str, Callable[[Sequence[str], int, int], list[int]]], ...] = (
        (_RANGE + _STEPS, _range_steps),
        (_RANGE, _range),
        (_STAR + _STEPS, _star_steps),
        ("^" + _STAR + "$", _star),
    )
    for pattern, handler in handlers:
        found = re.match(pattern, part)
        if found:
            return handler(found.groups(), max_, min_)
    return _range((part,), max_, min_)


def _range(tokens: Sequence[str], max_: int, min_: int) -> list[int]:
    start = _number(tokens[0], max_, min_)
    if len(tokens) > 1:
        end = _number(tokens[1], max_, min_)
        if end < start:  # wraps around, as Celery does
            return [*range(start, min_ + max_), *range(min_, end + 1)]
        return list(range(start, end + 1))
    return [start]


def _range_steps(tokens: Sequence[str], max_: int, min_: int) -> list[int]:
    if len(tokens) != 3 or not tokens[2]:
        raise ValueError("empty filter")
    return _range(tokens[:2], max_, min_)[:: _step(tokens[2])]


def _star_steps(tokens: Sequence[str], max_: int, min_: int) -> list[int]:
    if not tokens or not tokens[0]:
        raise ValueError("empty filter")
    return _star(tokens, max_, min_)[:: _step(tokens[0])]


def _star(_tokens: Sequence[str], max_: int, min_: int) -> list[int]:
    return list(range(min_, max_ + min_))


def _step(text: str) -> int:
    step = int(text)
    if step == 0:
        raise ValueError("slice step cannot be zero")
    return step


def _number(text: str, max_: int, min_: int) -> int:
    if text[0] == "-":
        raise ValueError("negative numbers not supported")
    try:
        value = int(text)
    except ValueError:
        abbreviation = text[:3].lower()
        if abbreviation in MONTHS:
            value = MONTHS[abbreviation]
        elif abbreviation in WEEKDAYS:
            value = WEEKDAYS[abbreviation]
        else:
            raise ValueError(f"Invalid weekday literal {text!r}.") from None
    highest = min_ + max_ - 1
    if value > highest:
        raise ValueError(f"Invalid end range: {value} > {highest}.")
    if value < min_:
        raise ValueError(f"Invalid beginning range: {value} < {min_}.")
    return value

"""Durations (`30s`, `5m`, `1h30m`, `500ms`) and sizes (`10MB`, `1GiB`) as routing.yaml writes them.

Units follow rabbitmq.conf: kB/MB/GB are powers of 1000, KiB/MiB/GiB powers of 1024.
"""

from __future__ import annotations

import re

DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
SIZE_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_DURATION = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d)\s*)+$")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")

MAX_WHOLE = 2**63 - 1
"""The largest whole number an AMQP table carries (signed 64-bit)."""
MAX_SECONDS = 86400.0 * 999_999_999
"""Python's (and so Celery's) longest timedelta, in seconds; in milliseconds it is still below MAX_WHOLE."""

DURATION_HINT = "a duration such as 500ms, 30s, 5m, 1h30m or 7d"
SIZE_HINT = "a size in bytes, or such as 512KiB, 10MB or 1GiB"


def parse_duration(text: str) -> float:
    """Seconds in `text`; ValueError with the accepted forms if it is not a duration."""
    if not _DURATION.match(text):
        raise ValueError(f"{text!r} is not {DURATION_HINT}")
    seconds = sum(float(number) * DURATION_UNITS[unit] for number, unit in _DURATION_PART.findall(text))
    if seconds > MAX_SECONDS:
        raise ValueError(f"{_short(text)} is longer than any duration RabbitMQ or Celery can count")
    return seconds


def parse_size(text: str) -> int:
    """Bytes in `text`; ValueError with the accepted forms if it is not a size."""
    found = _SIZE.match(text)
    unit = found.group(2).lower() if found else None
    if found is None or unit not in SIZE_UNITS:
        raise ValueError(f"{text!r} is not {SIZE_HINT}")
    size = float(found.group(1)) * SIZE_UNITS[str(unit)]
    if size > MAX_WHOLE:
        raise ValueError(f"{_short(text)} is more bytes than an AMQP table can carry (signed 64-bit)")
    return round(size)


def _short(text: str) -> str:
    return repr(text) if len(text) <= 24 else f"{text[:12]!r}... ({len(text)} characters)"

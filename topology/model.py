"""The desired topology: exchanges, queues, bindings, Celery routes and the beat schedule.

Pure data (frozen dataclasses, no I/O). Every object may carry the place in routing.yaml it
came from, so that checks made anywhere later can still point the user at a line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


@dataclass(frozen=True)
class Origin:
    """A place in a source file (1-based line and column)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a topology file, reported with its place."""

    message: str
    origin: Origin | None = None

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}" if self.origin else self.message


class ExchangeType(str, Enum):
    DIRECT = "direct"
    TOPIC = "topic"
    FANOUT = "fanout"
    HEADERS = "headers"


@dataclass(frozen=True)
class Exchange:
    name: str
    type: ExchangeType = ExchangeType.DIRECT
    durable: bool = True
    auto_delete: bool = False
    origin: Origin | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Binding:
    """Messages published to `exchange` with `routing_key` reach the queue holding this binding."""

    exchange: str
    routing_key: str = ""
    origin: Origin | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Queue:
    name: str
    durable: bool = True
    bindings: tuple[Binding, ...] = ()
    origin: Origin | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Destination:
    """Where a message is published: an exchange ('' is RabbitMQ's default exchange) and a key."""

    exchange: str
    routing_key: str


@dataclass(frozen=True)
class Route:
    """A Celery task route: tasks whose name matches `pattern` go to a queue or an exchange.

    `pattern` is an exact task name or a glob (``tasks.*``), as in Celery's ``task_routes``.
    Exactly one of `queue` or `exchange` is set; `routing_key` goes with `exchange`.
    """

    pattern: str
    queue: str | None = None
    exchange: str | None = None
    routing_key: str = ""
    origin: Origin | None = field(default=None, compare=False)

    @property
    def is_glob(self) -> bool:
        return "*" in self.pattern


@dataclass(frozen=True)
class ScheduleEntry:
    """A celery beat entry: send `task` every `every` seconds, to `queue` if set, else where its route says."""

    name: str
    task: str
    every: float
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    queue: str | None = None
    origin: Origin | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Topology:
    exchanges: tuple[Exchange, ...]
    queues: tuple[Queue, ...]
    default_queue: str
    routes: tuple[Route, ...] = ()
    schedule: tuple[ScheduleEntry, ...] = ()
    default_queue_origin: Origin | None = field(default=None, compare=False)

    def exchange(self, name: str) -> Exchange | None:
        return next((e for e in self.exchanges if e.name == name), None)

    def queue(self, name: str) -> Queue | None:
        return next((q for q in self.queues if q.name == name), None)

    def bindings(self) -> tuple[tuple[Queue, Binding], ...]:
        """Every (queue, binding) pair, in file order."""
        return tuple((q, b) for q in self.queues for b in q.bindings)

"""What Celery would do silently with an existing configuration, and what routing.yaml says differently:
misspelt settings, task names the app does not register, routes Celery publishes through RabbitMQ's default
exchange, queues no route reaches. Each finding is one line with the place where the name is written.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from celery import Celery
from celery.app.defaults import _OLD_SETTING_KEYS, SETTING_KEYS

from topology.celery_adapter.importing.read import Sources, celery_destination
from topology.codes import Code
from topology.model import Route, Topology
from topology.routing import deliver, route_destination, route_for
from topology.routing import task_message as message_for

SETTING_PREFIXES = ("celery", "celeryd", "celerybeat", "task_", "worker_", "beat_", "broker_", "result_", "broker")
"""A name starting so (in any case) is meant as a Celery setting: an unknown one is most likely misspelt."""


@dataclass(frozen=True)
class Finding:
    """Something Celery would do silently, or that routing.yaml cannot say: one line, with its place."""

    code: Code
    message: str
    where: str | None = None  # file:line
    route: str | None = None  # the route's pattern it is about ("" for the default queue), if any

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


Notes = dict[tuple[str, str], tuple[str, ...]]
"""Comments for the written file, by (section, entry)."""


@dataclass
class Record:
    """What an import says besides the file: its findings, and the comments the file gets."""

    sources: Sources
    findings: list[Finding] = field(default_factory=list)
    notes: Notes = field(default_factory=dict)

    def finding(self, code: Code, message: str, where: str | None = None, route: str | None = None) -> None:
        self.findings.append(Finding(code, message, where, route))

    def note(self, section: str, name: str, line: str) -> None:
        self.notes[(section, name)] = (*self.notes.get((section, name), ()), line)

    def check_task_name(self, name: str, registered: frozenset[str], what: str = "route") -> None:
        if name in registered:
            return
        hint = did_you_mean(name, registered)
        self.finding(
            Code.UNKNOWN_TASK,
            f"{what} names task {name!r}, which the app does not register{hint}",
            self.sources.where(name),
        )


def unknown_settings(app: Celery, record: Record) -> None:
    """Names in the user's settings that Celery does not know: Celery ignores them without a word. Under a
    namespace (Django's CELERY_), only names with its prefix are Celery's, written CELERY_TASK_QUEUES."""
    namespace = getattr(app, "namespace", None)
    prefix = f"{namespace}_" if namespace else ""
    known_new = sorted(f"{prefix}{key.upper()}" for key in SETTING_KEYS) if prefix else sorted(SETTING_KEYS)
    known_old = sorted(_OLD_SETTING_KEYS)
    for name in _user_settings(app):
        if name in known_new or name in _OLD_SETTING_KEYS or (prefix and not name.startswith(prefix)):
            continue
        known = known_old if name.isupper() and not prefix else known_new
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
        if not close and not name.lower().startswith(SETTING_PREFIXES):
            continue  # a helper variable of the config module, not meant as a setting
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        record.finding(
            Code.UNKNOWN_SETTING,
            f"{name!r} is not a Celery setting: Celery ignores it{hint}",
            record.sources.where(name),
        )


def _user_settings(app: Celery) -> Iterable[str]:
    maps = getattr(app.conf, "maps", [])
    seen: set[str] = set()
    for layer in maps[:-1]:  # the last is Celery's defaults
        for name in list(layer.keys()):
            if name in seen or name.startswith("_") or name == "deprecated_settings":
                continue
            seen.add(name)
            value = layer[name]
            if isinstance(value, (ModuleType, type, Celery)) or callable(value):
                continue
            yield name


def bypasses(
    app: Celery,
    topology: Topology,
    route_of: Mapping[str, Mapping[str, Any]],
    registered: frozenset[str],
    record: Record,
) -> None:
    """Routes (and the default queue) Celery publishes through the default exchange, straight to the
    queue, where the app configured from routing.yaml publishes through a binding (`routing.route_destination`:
    one that reaches that queue alone, or the one binding of a queue on an exchange that is not direct).
    `route_of` holds each route's options as Celery expands them."""
    checked: list[tuple[str, Route | None]] = [(r.pattern, r) for r in topology.routes if r.queue is not None]
    if any(route_for(topology, name) is None for name in registered):  # some task falls to the default queue
        checked.append(("the default queue", None))
    plain: list[tuple[str, str | None]] = []  # (route or default queue, where): the same queue by another path
    for label, route in checked:
        default = app.conf.task_default_queue
        options = route_of.get(label) if route is not None else app.amqp.router.expand_destination(default)
        if options is None:
            continue
        celery = celery_destination(app, options)
        ours = route_destination(topology, route)
        if celery.exchange != "" or ours is None or ours.exchange == "":
            continue
        reached = deliver(topology, ours.exchange, message_for(ours, None)).queues
        queue = celery.routing_key
        also = sorted(set(reached) - {queue})
        subject = f"route {label!r}" if route is not None else label
        where = record.sources.where(unslashed(label)) if route is not None else None
        if not also:
            plain.append((subject, where))
            continue
        record.finding(
            Code.BINDING_REACHES_MORE,
            f"{subject}: Celery publishes through RabbitMQ's default exchange straight to queue {queue!r}, "
            f"bypassing its binding ({ours.exchange!r}, key {ours.routing_key!r}); routing.yaml publishes "
            f"through that binding, which also reaches {', '.join(map(repr, also))}",
            where,
            route.pattern if route is not None else "",
        )
        if also:
            section, entry = ("routes", label) if route is not None else ("default_queue", "")
            record.note(section, entry, f"Celery sent these to {queue!r} alone; this binding also reaches {also}")
    if plain:
        shown = ", ".join(subject for subject, _ in plain[:3]) + (
            f" and {len(plain) - 3} more" if len(plain) > 3 else ""
        )
        record.finding(
            Code.DEFAULT_EXCHANGE_BYPASS,
            f"{shown}: Celery publishes these through RabbitMQ's default exchange straight to their queue, "
            "bypassing the queue's binding; routing.yaml publishes through the binding, to the same queue (so the "
            "nets, mandatory publishing and confirms cover them)",
            next((where for _, where in plain if where), None),
        )


def unreached(topology: Topology, record: Record) -> None:
    reached: set[str] = set()
    routes: list[Route | None] = [*topology.routes, None]
    for route in routes:
        destination = route_destination(topology, route)
        if destination is not None:
            reached |= set(deliver(topology, destination.exchange, message_for(destination, None)).queues)
    for entry in topology.schedule:
        if entry.queue:
            reached.add(entry.queue)
    for name in topology.queues:
        if name.name not in reached:
            record.finding(
                Code.QUEUE_UNREACHED,
                f"queue {name.name!r} is declared but no route reaches it",
                record.sources.where(name.name),
            )


def unslashed(pattern: str) -> str:
    return pattern[1:-1] if len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/") else pattern


def did_you_mean(name: str, registered: Iterable[str]) -> str:
    """A registered task of the same function name in another module, else the closest name."""
    names = sorted(registered)
    short = name.rsplit(".", 1)[-1]
    same = [n for n in names if n.rsplit(".", 1)[-1] == short]
    close = same or difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if not close:
        short_close = difflib.get_close_matches(short, [n.rsplit(".", 1)[-1] for n in names], n=1, cutoff=0.7)
        close = [n for n in names if short_close and n.rsplit(".", 1)[-1] == short_close[0]]
    return f" (did you mean {close[0]!r}?)" if close else ""


def route_table(topology: Topology, names: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The queues each task lands in, following routing.yaml's routes (for the round trip)."""
    table = {}
    for name in names:
        destination = route_destination(topology, route_for(topology, name))
        table[name] = (
            deliver(topology, destination.exchange, message_for(destination, name)).queues if destination else ()
        )
    return table

"""Consistency checks on a whole topology: names RabbitMQ refuses, references, RabbitMQ's rules,
routes proven against the bindings, and (when the Celery app is known) task names.

Pure: takes a Topology, returns every Problem found (never stops at the first).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Collection, Iterator
from dataclasses import replace

from topology import hints
from topology.checks.broker_rules import check_broker_rules
from topology.checks.nets import check_dropping_queues
from topology.checks.routes import check_routes, check_task_names
from topology.checks.versions import NEWEST, VersionRules
from topology.model import (
    ALTERNATE_EXCHANGE,
    DEAD_LETTER_EXCHANGE,
    Origin,
    PatternKind,
    Problem,
    Queue,
    Route,
    Severity,
    Topology,
)
from topology.routing import route_destination

MAX_NAME_BYTES = 255


def check_topology(
    topology: Topology, registered: Collection[str] | None = None, rules: VersionRules | None = NEWEST
) -> list[Problem]:
    """Every problem; `registered` (the Celery app's task names), when given, is checked against routes.
    RabbitMQ's rules are those of `rules`' version; None leaves them for when the broker's version is known
    (plan and apply check them then, before anything is sent)."""
    patterns, keys = list(_check_patterns(topology)), list(_check_keys(topology))
    names = list(check_references(topology))
    references = [*names, *patterns, *keys]
    versioned = check_broker_rules(topology, rules) if rules is not None else ()
    problems = [*_check_names(topology), *references, *versioned, *check_dropping_queues(topology)]
    # routes can only be followed through objects that exist, by patterns that compile, with keys RabbitMQ takes
    if not _errors(references):
        problems += check_routes(topology, registered or ())
    elif not _errors([*patterns, *keys]):  # only names undeclared: the routes that name none are followed
        followable = _followable(topology)
        if followable is not None:
            problems += [p for p in check_routes(followable, registered or ()) if p.severity is Severity.ERROR]
    if registered is not None and not _errors(patterns):  # task names are matched by the patterns
        problems += check_task_names(topology, registered)
    return list(dict.fromkeys(problems))  # a rule met by several task names is one problem


def _followable(topology: Topology) -> Topology | None:
    """`topology` less the routes that lead to an undeclared exchange or queue (named, or through the queue's
    binding they publish by), when what remains can be followed (the default queue's way declared too): a
    route that reaches no queue is then found in the same run as a name misspelt elsewhere. Only errors count
    from it: a warning such as a queue no route reaches may come from a route set aside here."""
    exchanges, queues = {"", *(e.name for e in topology.exchanges)}, {q.name for q in topology.queues}

    def declared(route: Route | None) -> bool:
        named = route is None or (route.queue in (None, *queues) and route.exchange in (None, *exchanges))
        destination = route_destination(topology, route) if named else None
        return destination is not None and destination.exchange in exchanges

    if topology.default_queue not in queues or not declared(None):
        return None
    return replace(topology, routes=tuple(route for route in topology.routes if declared(route)))


def _errors(problems: list[Problem]) -> bool:
    return any(p.severity is Severity.ERROR for p in problems)


def _name_problem(kind: str, name: str) -> str | None:
    if not name:
        return f"{kind} name is empty"
    if name.startswith("amq."):
        return f"{kind} name {name!r} starts with 'amq.', which RabbitMQ reserves for its own objects"
    if len(name.encode()) > MAX_NAME_BYTES:
        return f"{kind} name {name[:40]!r}... is longer than {MAX_NAME_BYTES} bytes, which RabbitMQ refuses"
    return None


def _check_names(topology: Topology) -> Iterator[Problem]:
    for kind, objects in (("exchange", topology.exchanges), ("queue", topology.queues)):
        for obj in objects:
            message = _name_problem(kind, obj.name)
            if message:
                yield Problem(message, obj.origin)


def _check_keys(topology: Topology) -> Iterator[Problem]:
    """Routing keys are AMQP short strings: RabbitMQ refuses a bind or a publish with a longer one."""
    keys = [(f"binding of {bound.name!r}", b.routing_key, b.origin) for bound, b in topology.all_bindings()]
    keys += [(f"route {r.pattern!r}", r.routing_key, r.origins.get("routing_key", r.origin)) for r in topology.routes]
    for who, key, origin in keys:
        if len(key.encode()) > MAX_NAME_BYTES:
            yield Problem(
                f"{who}: routing key {key[:40]!r}... is longer than {MAX_NAME_BYTES} bytes, which RabbitMQ refuses",
                origin,
            )


MAX_WILDCARDS = 30_000
"""'*' in glob routes, all told: each is a group in the regex Celery compiles, and compiling costs per group,
so a file of many huge globs could take minutes to check (as its Celery app would to start)."""


def _check_patterns(topology: Topology) -> Iterator[Problem]:
    wildcards = 0
    for route in topology.routes:
        if route.kind is PatternKind.GLOB:
            wildcards += route.pattern.count("*")
            if wildcards > MAX_WILDCARDS:
                message = (
                    f"route {route.pattern[:40]!r}...: the glob routes hold more than {MAX_WILDCARDS:,} '*' in all"
                )
                yield Problem(message, route.origin)
                return
        with warnings.catch_warnings(record=True) as warned:  # Python's, on stderr, would be no file:line:col
            warnings.simplefilter("always")
            try:
                route.regex  # noqa: B018 - compiling is the check
            except re.error as error:
                yield Problem(f"route {route.pattern!r} is not a valid regular expression: {error}", route.origin)
        for warning in warned:
            yield Problem(f"route {route.pattern!r}: Python warns: {warning.message}", route.origin, Severity.WARNING)
    for policy in topology.policies:
        try:
            re.compile(policy.pattern)
        except re.error as error:
            yield Problem(f"policy {policy.name!r}: pattern is not a valid regular expression: {error}", policy.origin)


def _undeclared(kind: str, name: str, declared: list[str]) -> str:
    known = ", ".join(repr(n) for n in declared) or "none"
    return f"{kind} {name!r}, which is not declared{hints.did_you_mean(name, declared)} (declared {kind}s: {known})"


def check_references(topology: Topology) -> Iterator[Problem]:
    """Every exchange and queue named anywhere is declared (the nets' own are, but are not listed as the file's)."""
    exchanges = [e.name for e in topology.exchanges if e.name not in topology.nets.names]
    queues = [q.name for q in topology.queues if q.name not in topology.nets.names]
    exchange_names, queue_names = {e.name for e in topology.exchanges}, {q.name for q in topology.queues}

    def exchange(who: str, name: str, origin: Origin | None) -> Iterator[Problem]:
        if name not in exchange_names:
            yield Problem(f"{who} " + _undeclared("exchange", name, exchanges), origin)

    def queue(who: str, name: str, origin: Origin | None) -> Iterator[Problem]:
        if name not in queue_names:
            yield Problem(f"{who} " + _undeclared("queue", name, queues), origin)

    for bound, binding in topology.all_bindings():
        kind = "queue" if isinstance(bound, Queue) else "exchange"
        yield from exchange(f"{kind} {bound.name!r} binds to", binding.exchange, binding.origin)
    for declared in topology.exchanges:
        if declared.alternate_exchange is not None:
            where = declared.origins.get(ALTERNATE_EXCHANGE, declared.origin)
            yield from exchange(f"the alternate_exchange of {declared.name!r} is", declared.alternate_exchange, where)
    for declared_queue in topology.queues:
        dead_letter = declared_queue.arguments.get(DEAD_LETTER_EXCHANGE)
        if isinstance(dead_letter, str) and dead_letter != "":  # '' is the default exchange
            where = declared_queue.origins.get(DEAD_LETTER_EXCHANGE, declared_queue.origin)
            yield from exchange(f"the dead_letter_exchange of queue {declared_queue.name!r} is", dead_letter, where)
    for route in topology.routes:
        if route.queue is not None:
            yield from queue(f"route {route.pattern!r} goes to", route.queue, route.origin)
        if route.exchange is not None:
            yield from exchange(f"route {route.pattern!r} goes to", route.exchange, route.origin)
    for entry in topology.schedule:
        if entry.queue is not None:
            yield from queue(f"schedule entry {entry.name!r} goes to", entry.queue, entry.origin)
    yield from queue("default_queue names", topology.default_queue, topology.default_queue_origin)
    for policy in topology.policies:
        for name in policy.queues:
            yield from queue(f"policy {policy.name!r} applies to", name, policy.origin)
        dead_letter = policy.definition.get("dead-letter-exchange")
        if isinstance(dead_letter, str) and dead_letter != "":
            yield from exchange(f"the dead_letter_exchange of policy {policy.name!r} is", dead_letter, policy.origin)

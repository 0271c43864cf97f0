"""The nets: what an exchange cannot route and what a queue dead-letters is kept, not dropped. Pure.

Each net is a fanout exchange with one queue bound to it (`topology.unroutable`, `topology.dead-letters` by
default). They are wired in by policy, not by x-arguments, so that `apply` changes live exchanges and queues
in place: RabbitMQ compares an exchange's alternate-exchange and a queue's x-arguments on every redeclare,
and cannot change either after the fact, but it changes a policy at any time.

RabbitMQ puts one policy in effect on an object, the one of highest priority. So the keys go into every
policy of the file that applies to an object of the file (and `plan` says so: such a policy now also covers
whatever else its pattern matches), and one managed policy per net covers, by exact name, the objects no
policy of the file applies to. An object that names its own alternate or dead-letter exchange keeps it, as
does a policy that sets the key itself. Streams never dead-letter, and the nets' own objects are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from topology.model import (
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_NET,
    POLICY_ALTERNATE_EXCHANGE,
    POLICY_DEAD_LETTER_EXCHANGE,
    UNROUTABLE_NET,
    Binding,
    Delays,
    Exchange,
    ExchangeType,
    Kind,
    Nets,
    Policy,
    Queue,
    QueueType,
    Topology,
)


def with_nets(topology: Topology) -> Topology:
    """`topology` with its nets' exchanges, queues and policies (nothing added for a net opted out of)."""
    nets = topology.nets
    exchanges, queues, policies = list(topology.exchanges), list(topology.queues), list(topology.policies)
    if nets.unroutable is not None:
        covered = [e.name for e in topology.exchanges if e.name not in nets.names and e.alternate_exchange is None]
        if nets.delays is not None:  # a due task whose exchange is gone is kept (the ladder's own are internal hops)
            covered.append(nets.delays.delivery)
        policies = _covering(policies, Kind.EXCHANGE, covered, POLICY_ALTERNATE_EXCHANGE, nets.unroutable, "exchanges")
    if nets.dead_letters is not None:
        covered = [
            q.name
            for q in topology.queues
            if q.name not in nets.names
            and q.type is not QueueType.STREAM
            and not q.broadcast  # a worker's own exclusive queue: what it holds goes with the worker
            and DEAD_LETTER_EXCHANGE not in q.arguments
        ]
        policies = _covering(policies, Kind.QUEUE, covered, POLICY_DEAD_LETTER_EXCHANGE, nets.dead_letters, "queues")
    for name in (nets.unroutable, nets.dead_letters):
        if name is not None and topology.exchange(name) is None:
            exchanges.append(Exchange(name, ExchangeType.FANOUT))
        if name is not None and topology.queue(name) is None:
            queues.append(Queue(name, bindings=(Binding(name),)))
    return replace(topology, exchanges=tuple(exchanges), queues=tuple(queues), policies=tuple(policies))


def _covering(
    policies: list[Policy], kind: Kind, names: Iterable[str], key: str, target: str, apply_to: str
) -> list[Policy]:
    """`policies` with `key: target` merged into those that apply to any of `names`, plus a managed policy
    named after the net for the names none of them applies to."""
    names = list(names)
    merged = []
    for policy in policies:
        applies = any(policy.applies_to(kind, name) for name in names)
        if applies and key not in policy.definition:
            policy = replace(policy, definition={**policy.definition, key: target}, net_keys=(*policy.net_keys, key))
        merged.append(policy)
    uncovered = sorted(name for name in names if not any(p.applies_to(kind, name) for p in policies))
    for part, chunk in enumerate(_within_pattern_limit([re.escape(name) for name in uncovered])):
        name = target if part == 0 else f"{target}.{part + 1}"
        merged.append(Policy(name, "^(" + "|".join(chunk) + ")$", {key: target}, 0, apply_to, net_keys=(key,)))
    return merged


def alternatives(pattern: str) -> frozenset[str] | None:
    """The names a pattern `^(a|b|c)$` lists, as a set: two such patterns match the same names whatever
    their order (a net's policy once written in the file's order, now sorted, is no change). None for any
    other pattern."""
    if not (pattern.startswith("^(") and pattern.endswith(")$")):
        return None
    names, current, escaped = [], "", False
    for char in pattern[2:-2]:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            current, escaped = current + char, True
        elif char == "|":
            names.append(current)
            current = ""
        elif char in "()":
            return None  # a group of its own: not a plain list of names
        else:
            current += char
    return frozenset([*names, current])


MAX_POLICY_PATTERN_BYTES = 1024
"""The longest policy pattern RabbitMQ 4.3 accepts (earlier versions take any): a net's managed policy that
would name more is split into several, each of them within it."""


def _within_pattern_limit(escaped: list[str]) -> list[list[str]]:
    """`escaped` names in runs whose pattern ^(a|b|...)$ fits MAX_POLICY_PATTERN_BYTES (a longer name gets
    a run of its own: RabbitMQ refuses that one policy, and says so)."""
    runs: list[list[str]] = []
    size = 0
    for name in escaped:
        grown = size + len(name.encode()) + 1
        if runs and grown + len("^()$") <= MAX_POLICY_PATTERN_BYTES:
            runs[-1].append(name)
            size = grown
        else:
            runs.append([name])
            size = len(name.encode())
    return runs


def nets_of(unroutable: str | bool, dead_letters: str | bool, delays: Delays | None = None) -> Nets:
    """The nets as written: a name, `true` for the default name, `false` to opt out; the delay ladder."""
    return Nets(_named(unroutable, UNROUTABLE_NET), _named(dead_letters, DEAD_LETTER_NET), delays)


def _named(written: str | bool, default: str) -> str | None:
    if written is True:
        return default
    return written or None

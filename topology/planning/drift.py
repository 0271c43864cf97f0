"""Desired topology vs live broker: one Finding per difference (from the plan) and per unconsumed queue. Pure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from topology import hints
from topology.model import Kind, Ref, Severity, Topology
from topology.planning.observed import LiveState
from topology.planning.plan import Action, Plan, Wanted, plan
from topology.values import show

# Severity.ERROR: drift, the broker does not do what routing.yaml says.
# Severity.WARNING: the topology is right but tasks will not get processed (no consumer).


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    ref: Ref
    message: str


def diff(
    topology: Topology, live: LiveState, routed: Mapping[str, list[str]], wants: Wanted | None = None
) -> list[Finding]:
    """`routed`: `tasks_by_queue(topology)`, the queues that must have a consumer; `wants`: `wanted(topology)`,
    if worked out already."""
    return [*drift(plan(topology, live, wants=wants)), *_consumers(routed, live)]


def drift(planned: Plan) -> Iterator[Finding]:
    """One finding per object that differs; the bindings of a missing queue are part of that finding."""
    for change in planned.findings:
        ref, kind = change.ref, change.kind.value
        if change.action is Action.CONFLICT and change.mismatches:
            said = "; ".join(
                f"{m.prop}={show(m.found)} but routing.yaml says {show(m.wanted)}" for m in change.mismatches
            )
            yield _drift(f"{kind}_mismatch", ref, f"{ref} has {said}")
        elif change.action is Action.UPDATE:
            yield _drift(f"{kind}_mismatch", ref, f"{ref} differs: {change.detail}")
        elif change.action is Action.CREATE and change.kind is Kind.BINDING:
            yield _drift("missing_binding", ref, f"{ref} is missing: messages sent this way are dropped")
        elif change.action in (Action.CREATE, Action.CONFLICT):
            reason = change.detail or f"run `{hints.APPLY}`"
            yield _drift(f"missing_{kind}", ref, f"{ref} is missing: {reason}")
        elif change.action is Action.EXTRA:
            yield _drift(f"extra_{kind}", ref, f"{ref} is on the broker but not in routing.yaml")


def _drift(code: str, ref: Ref, message: str) -> Finding:
    return Finding(code, Severity.ERROR, ref, message)


def _consumers(routed: Mapping[str, list[str]], live: LiveState) -> Iterator[Finding]:
    for queue, tasks in routed.items():
        found = live.queues.get(queue)
        if found is None or found.consumers != 0:
            continue
        who = ", ".join(tasks) if tasks else "every task without a route"
        verb = "is" if len(tasks) <= 1 else "are"
        yield Finding(
            "no_consumer",
            Severity.WARNING,
            Ref(Kind.QUEUE, queue),
            f"{who} {verb} routed to queue {queue!r}, which no worker consumes: its tasks will stay PENDING",
        )

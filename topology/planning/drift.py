"""Desired topology vs live broker: one Finding per difference (from the plan) and per unconsumed queue. Pure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from topology.model import Severity, Topology
from topology.planning.observed import LiveState
from topology.planning.plan import Action, Plan, Wanted, plan

# Severity.ERROR: drift, the broker does not do what routing.yaml says.
# Severity.WARNING: the topology is right but tasks will not get processed (no consumer).


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    subject: str
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
        subject = change.subject
        if change.action is Action.CONFLICT and change.mismatches:
            said = "; ".join(
                f"{m.prop}={_shown(m.found)} but routing.yaml says {_shown(m.wanted)}" for m in change.mismatches
            )
            yield _drift(f"{change.kind}_mismatch", subject, f"{subject} has {said}")
        elif change.action is Action.UPDATE:
            yield _drift(f"{change.kind}_mismatch", subject, f"{subject} differs: {change.detail}")
        elif change.action is Action.CREATE and change.kind == "binding":
            yield _drift("missing_binding", subject, f"{subject} is missing: messages sent this way are dropped")
        elif change.action in (Action.CREATE, Action.CONFLICT):
            reason = change.detail or "run `python -m topology apply`"
            yield _drift(f"missing_{change.kind}", subject, f"{subject} is missing: {reason}")
        elif change.action is Action.EXTRA:
            yield _drift(f"extra_{change.kind}", subject, f"{subject} is on the broker but not in routing.yaml")


def _drift(code: str, subject: str, message: str) -> Finding:
    return Finding(code, Severity.ERROR, subject, message)


def _shown(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


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
            f"queue {queue!r}",
            f"{who} {verb} routed to queue {queue!r}, which no worker consumes: its tasks will stay PENDING",
        )

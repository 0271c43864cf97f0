"""Desired topology vs live broker: one Finding per difference (from the plan) and per unconsumed queue. Pure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from topology import hints
from topology.codes import Code
from topology.model import Kind, Ref, Topology
from topology.planning.findings import Finding
from topology.planning.observed import LiveState
from topology.planning.plan import Action, Plan, Wanted, plan
from topology.values import show

MISSING = {Kind.EXCHANGE: Code.MISSING_EXCHANGE, Kind.QUEUE: Code.MISSING_QUEUE, Kind.POLICY: Code.MISSING_POLICY}
EXTRA = {
    Kind.EXCHANGE: Code.EXTRA_EXCHANGE,
    Kind.QUEUE: Code.EXTRA_QUEUE,
    Kind.BINDING: Code.EXTRA_BINDING,
    Kind.POLICY: Code.EXTRA_POLICY,
}
MISMATCH = {Kind.EXCHANGE: Code.EXCHANGE_MISMATCH, Kind.QUEUE: Code.QUEUE_MISMATCH, Kind.POLICY: Code.POLICY_MISMATCH}


def diff(
    topology: Topology, live: LiveState, routed: Mapping[str, list[str]], wants: Wanted | None = None
) -> list[Finding]:
    """`routed`: `tasks_by_queue(topology)`, the queues that must have a consumer; `wants`: `wanted(topology)`,
    if worked out already."""
    return [*drift(plan(topology, live, wants=wants)), *_consumers(routed, live, topology.app)]


def drift(planned: Plan) -> Iterator[Finding]:
    """One finding per object that differs, or per property where the broker names them; the bindings of a
    missing queue are part of that finding. The same for `plan` (any flags) and `inspect`: they agree on drift.
    A queue on a cluster node that is down is its own error, and the plan's cautions are warnings."""
    for change in planned.findings:
        ref = change.ref
        if change.action in (Action.CONFLICT, Action.RECREATE) and change.mismatches:
            fix = change.fix or f"run `{hints.apply_with('--recreate')}`"
            for m in change.mismatches:
                said = f"{m.prop}={show(m.found)} but routing.yaml says {show(m.wanted)}"
                yield Finding(MISMATCH[change.kind], ref, f"{ref} has {said}", fix, m)
        elif change.action is Action.MIGRATE:
            for m in change.mismatches:
                said = f"{m.prop}={show(m.found)} but routing.yaml says {show(m.wanted)}"
                yield Finding(MISMATCH[change.kind], ref, f"{ref} has {said}", f"run `{hints.MIGRATE}`", m)
            if not change.mismatches:
                yield Finding(Code.MIGRATION_INTERRUPTED, ref, f"{ref}: {change.detail}", f"run `{hints.MIGRATE}`")
        elif change.action is Action.UPDATE:
            for m in change.mismatches:
                yield Finding(MISMATCH[change.kind], ref, f"{ref} differs: {m}", f"run `{hints.APPLY}`", m)
        elif change.action is Action.CREATE and change.kind is Kind.BINDING:
            message = f"{ref} is missing: messages sent this way are dropped"
            yield Finding(Code.MISSING_BINDING, ref, message, f"run `{hints.APPLY}`")
        elif change.action in (Action.CREATE, Action.CONFLICT):
            message = f"{ref} is missing" + (f": {change.detail}" if change.detail else "")
            yield Finding(MISSING[change.kind], ref, message, change.fix or f"run `{hints.APPLY}`")
        elif change.action in (Action.EXTRA, Action.DELETE):
            fix = change.fix or f"run `{hints.apply_with('--prune')}`"
            message = f"{ref} is on the broker but not in routing.yaml"
            yield Finding(EXTRA[change.kind], ref, message, fix)
        elif change.action is Action.UNAVAILABLE:
            message = (
                f"{ref} exists but {change.detail}: tasks routed to it are dropped and its workers cannot "
                "consume it until the node is back"
            )
            yield Finding(Code.QUEUE_NODE_DOWN, ref, message, change.fix)
    for caution in planned.cautions:
        yield Finding(caution.code, caution.ref, caution.message, caution.fix)


def _consumers(routed: Mapping[str, list[str]], live: LiveState, app: str | None) -> Iterator[Finding]:
    for queue, tasks in routed.items():
        found = live.queues.get(queue)
        if found is None or found.consumers != 0:
            continue
        who = ", ".join(tasks) if tasks else "every task without a route"
        verb = "is" if len(tasks) <= 1 else "are"
        yield Finding(
            Code.NO_CONSUMER,
            Ref(Kind.QUEUE, queue),
            f"{who} {verb} routed to queue {queue!r}, which no worker consumes: its tasks will stay PENDING",
            hints.start_worker(app, queue),
        )

"""`apply`: make the broker hold routing.yaml, sending only the difference.

The plan finds every conflict before anything is sent; with one, nothing changes. Otherwise the
changes go out in phases (policies; unbinds; deletes; exchanges and queues; bindings), each phase
pipelined over several channels (see `broker.pipeline`). Everything `apply` creates carries our owner
marker (x-topology-owner), which is what lets `--prune` tell our objects from anybody else's.
A lost connection is retried from a fresh read: every step is idempotent, so a rerun converges.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING

from topology import hints
from topology.broker.session import Session
from topology.codes import ExitCode
from topology.commands.history import record
from topology.commands.migrate import Migrated, run_migrations
from topology.commands.plan import read_plan
from topology.commands.result import Confirm, Result
from topology.errors import ConnectionLost
from topology.hints import counted
from topology.model import Kind, Policy, Ref, Topology
from topology.planning.drift import drift
from topology.planning.findings import Finding
from topology.planning.history import Source
from topology.planning.migration import Mover
from topology.planning.operations import operations
from topology.planning.plan import NO_OPTIONS, Action, Change, Plan, PlanOptions

if TYPE_CHECKING:
    from topology.broker.amqp import Refusal

ATTEMPTS = 3
STALE_PLAN = (
    "nothing was changed: the broker is no longer as the saved plan found it (the changes below are what a plan "
    "makes now); run `python -m topology plan -o FILE` again and review it"
)


class StepStatus(str, Enum):
    """What became of a change: its action done, or not."""

    CREATED = "created"
    UPDATED = "updated"
    ENSURED = "ensured"
    RECREATED = "recreated"
    MIGRATED = "migrated"
    DELETED = "deleted"
    UNCHANGED = "unchanged"
    EXTRA = "extra"
    CONFLICT = "conflict"
    FAILED = "failed"
    UNAVAILABLE = "unavailable"  # on a cluster node that is down: left alone, it comes back with the node


DONE = {
    Action.CREATE: StepStatus.CREATED,
    Action.UPDATE: StepStatus.UPDATED,
    Action.ENSURE: StepStatus.ENSURED,
    Action.RECREATE: StepStatus.RECREATED,
    Action.MIGRATE: StepStatus.MIGRATED,
    Action.DELETE: StepStatus.DELETED,
    Action.UNCHANGED: StepStatus.UNCHANGED,
    Action.EXTRA: StepStatus.EXTRA,
    Action.CONFLICT: StepStatus.CONFLICT,
    Action.UNAVAILABLE: StepStatus.UNAVAILABLE,
}


@dataclass(frozen=True)
class Step:
    ref: Ref
    status: StepStatus
    detail: str = ""


@dataclass(frozen=True)
class ApplyReport:
    plan: Plan
    steps: tuple[Step, ...]
    note: str = ""
    findings: tuple[Finding, ...] = ()  # when it did not go through: what still differs (as `plan` says)
    refused: str = ""  # why nothing was sent: its deletes not confirmed, or the broker not as a saved plan found it
    migrated: tuple[Migrated, ...] = ()  # --migrate: what became of each queue's migration

    @property
    def ok(self) -> bool:
        """Everything is as the file says: nothing refused, in conflict, or out of reach on a down node."""
        failing = (StepStatus.CONFLICT, StepStatus.FAILED, StepStatus.UNAVAILABLE)
        failed = any(not m.done for m in self.migrated)
        return not self.refused and not failed and not any(s.status in failing for s in self.steps)


ProgressFactory = Callable[[int], Callable[[int], None]]
"""Given the number of operations about to be sent, a callback told how many have just completed."""


def apply_topology(
    topology: Topology,
    session: Session,
    options: PlanOptions = NO_OPTIONS,
    progress: ProgressFactory | None = None,
    confirm: Confirm | None = None,
    planned_outline: str | None = None,
) -> ApplyReport:
    """Plan, then apply; a connection lost midway is retried from a fresh plan, up to ATTEMPTS times. With
    `confirm`, a plan that deletes (--recreate, --prune) is sent only once it agrees (asked again on a retry
    only for deletes it was not asked about). With `planned_outline` (a saved plan's), nothing is sent unless
    the broker still gives the plan that was saved."""
    lost: list[str] = []
    agreed: set[Ref] = set()
    for attempt in range(1, ATTEMPTS + 1):
        if attempt > 1:
            session.reread()
        planned = read_plan(topology, session, options)
        if attempt == 1 and planned_outline is not None and planned.outline() != planned_outline:
            return ApplyReport(planned, (), refused=STALE_PLAN)
        deletes = [c for c in planned.of(Action.RECREATE, Action.DELETE, Action.MIGRATE) if c.ref not in agreed]
        deletes = [c for c in deletes if c.implied_by is None]
        if confirm is not None and deletes and not planned.conflicts:
            if not confirm(deleting(deletes)):
                return ApplyReport(planned, (), refused="nothing was changed: the deletes were not confirmed")
            agreed |= {c.ref for c in deletes}
        try:
            report = apply_plan(planned, session, progress)
        except ConnectionLost as error:
            if attempt == ATTEMPTS:
                raise
            lost.append(str(error))
            continue
        if lost:
            retried = f"retried after: {'; '.join(lost)}"
            return replace(report, note=f"{report.note}; {retried}" if report.note else retried)
        return report
    raise AssertionError("unreachable")  # pragma: no cover


def deleting(changes: list[Change]) -> str:
    """What a plan's deletes do, for the question asked before them."""
    shown = ", ".join(f"{c.ref}{_why_deleted(c.action)}" for c in changes[:5])
    more = f" and {len(changes) - 5} more" if len(changes) > 5 else ""
    return f"delete {counted(len(changes), 'object')}: {shown}{more}"


def _why_deleted(action: Action) -> str:
    if action is Action.MIGRATE:
        return " (declared again, its messages moved out and back through a holding queue, its consumers cancelled)"
    return " (to declare it again)" if action is Action.RECREATE else ""


def apply_plan(planned: Plan, session: Session, progress: ProgressFactory | None = None) -> ApplyReport:
    if planned.conflicts:
        steps = tuple(Step(c.ref, StepStatus.CONFLICT, c.detail) for c in planned.conflicts)
        return ApplyReport(planned, steps, "; ".join(filter(None, ["nothing was changed", planned.note])))
    for change in planned.of(Action.CREATE, Action.UPDATE):
        if isinstance(change.desired, Policy):
            session.put_policy(change.desired)
    phases = operations(planned)
    total = sum(map(len, phases))
    refused = session.send(phases, progress(total) if progress and total else None)
    migrated = run_migrations(planned.migrations, session, planned.owner)
    failed = {Ref(Kind.QUEUE, m.queue): m.failed for m in migrated if m.failed}
    steps = tuple(_outcome(change, refused, failed) for change in planned.changes)
    note = planned.note
    if any(m.mover is Mover.REPLAY for m in migrated):
        said = hints.shovel_off(moved=True)
        note = f"{note}; {said}" if note else said
    return ApplyReport(planned, steps, note, migrated=migrated)


def apply_command(
    topology: Topology,
    session: Session,
    progress: ProgressFactory | None,
    *,
    recreate: bool,
    prune: bool,
    force: bool,
    migrate: bool = False,
    source: Source | None = None,
    confirm: Confirm | None = None,
    planned_outline: str | None = None,
) -> Result[ApplyReport]:
    """With the file's `source`, a successful apply is recorded on the broker (see `planning.history`)."""
    options = PlanOptions(recreate, prune, force, migrate)
    report = apply_topology(topology, session, options, progress, confirm, planned_outline)
    unrecorded = record(session, source, topology.owner) if source is not None and report.ok else ""
    if unrecorded:
        report = replace(report, note=f"{report.note}; {unrecorded}" if report.note else unrecorded)
    if not report.ok:
        report = replace(report, findings=tuple(drift(report.plan)))
    return Result(report, ExitCode.OK if report.ok else ExitCode.DIFFERS).on(session.settings)


def _outcome(change: Change, refused: Mapping[Ref, Refusal], failed: Mapping[Ref, str]) -> Step:
    refusal = refused.get(change.ref) if refused else None
    if refusal is not None:
        return Step(change.ref, StepStatus.FAILED, refusal.explanation)
    if change.ref in failed:
        return Step(change.ref, StepStatus.FAILED, failed[change.ref])
    return Step(change.ref, DONE[change.action], change.detail)

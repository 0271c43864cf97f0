"""`plan`: each change with its fix, the counts per action, and the last line that says what to do."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import click

from topology.broker.settings import redacted
from topology.checks.versions import Target
from topology.cli.envelope import Body, change_record, target_record
from topology.cli.render import Renderer
from topology.cli.render.text import echo_lines
from topology.commands.plan import PlanReport
from topology.commands.result import Result
from topology.hints import counted, shovel_off
from topology.planning.delivery_limits import DeliveryLimit
from topology.planning.migration import MOVING_RATE, Mover
from topology.planning.plan import Action, Change, Plan
from topology.values import show


def text(result: Result[PlanReport]) -> None:
    report = result.report
    planned = report.plan
    implied = Counter(c.implied_by for c in planned.changes if c.implied_by and c.action is not Action.UNCHANGED)
    for change in planned.findings:
        bound = implied[change.ref]
        more = f" (and its {counted(bound, 'binding')})" if bound else ""
        detail = _beyond_differences(change)
        click.echo(f"{change.action.value:<9} {change.kind.value:<8} {change.ref.shown}{more}{detail and '  '}{detail}")
        echo_lines(f"{'':<11}+ {name}: {show(value)}" for name, value in planned.declared(change))
        echo_lines(f"{'':<11}~ {m.prop}: {show(m.found)} -> {show(m.wanted)}" for m in change.mismatches)
        if change.fix:
            click.echo(f"{'':<9} fix: {change.fix}")
    for migration in migrations_data(report):
        click.echo(f"migrate   queue    {migration['queue']!r}: {migration['summary']}")
        for step in migration["steps"]:
            click.echo(f"{'':<11}{step['number']}. {step['says']}")
    if planned.migrations and report.mover is Mover.REPLAY:
        click.echo(shovel_off(moved=False))
    for caution in planned.cautions:
        click.echo(f"warning   {caution.code.value}: {caution.message}")
        click.echo(f"{'':<9} fix: {caution.fix}")
    click.echo(f"plan for vhost {result.vhost!r} on {result.broker} (owner {planned.owner!r}):")
    for action in Action:
        changes = planned.of(action)
        if changes:
            click.echo(f"  {action.value:<9} {len(changes):>6}  {_kinds(changes)}")
    print_versioned(planned.rabbitmq, planned.delivery_limits)
    if planned.note:
        click.echo(planned.note)
    if planned.since is not None:
        click.echo(planned.since.message)
    click.echo(redacted(verdict(planned, report.apply)))  # a saved plan named after a URL: its password hidden


def migrations_data(report: PlanReport) -> list[dict[str, Any]]:
    """Each migration: the queue, from what to what, what moves, who is interrupted, how long, its steps."""
    mover = report.mover or Mover.REPLAY
    rate = MOVING_RATE[mover]
    shown = []
    for m in report.plan.migrations:
        seconds = m.expected_seconds(rate)
        changes = ", ".join(f"{prop} {show(found)} -> {show(wanted)}" for prop, found, wanted in m.changes)
        messages = "? messages" if m.messages is None else counted(m.messages, "message")
        consumers = "?" if m.consumers is None else str(m.consumers)
        took = "?" if seconds is None else f"{seconds:.1f} s"
        resumed = f"; resumes after step {m.resumes_after}" if m.resumes_after else ""
        summary = (
            f"{changes or 'as routing.yaml says'}; {messages} to move twice by {mover.value} (~{rate:.0f}/s: about "
            f"{took}); {consumers} consumer(s) cancelled, their workers wait for the queue{resumed}"
        )
        shown.append(
            {
                "queue": m.queue,
                "holding_queue": m.holding,
                "changes": [{"property": p, "from": f, "to": w} for p, f, w in m.changes],
                "messages": m.messages,
                "consumers": m.consumers,
                "mover": mover.value,
                "rate": rate,
                "expected_seconds": seconds,
                "resumes_after": m.resumes_after,
                "steps": [{"number": s.number.value, "says": s.says} for s in m.steps],
                "summary": summary,
            }
        )
    return shown


def _beyond_differences(change: Change) -> str:
    """The change's detail, less the differences its `~` lines show."""
    said = "; ".join(map(str, change.mismatches))
    return change.detail.removeprefix(said).removeprefix("; ") if said else change.detail


def body(result: Result[PlanReport]) -> Body:
    report = result.report
    planned = report.plan
    data = {
        "owner": planned.owner,
        "saved": redacted(report.saved) if report.saved else None,
        "since_last_apply": planned.since.data() if planned.since else None,
        **versioned_data(planned.rabbitmq, planned.delivery_limits),
        "migrations": migrations_data(report),
        "shovel_off": shovel_off(moved=False) if planned.migrations and report.mover is Mover.REPLAY else None,
    }
    changes = [
        change_record(c, declares=planned.declared(c)) for c in planned.changes if c.action is not Action.UNCHANGED
    ]
    return Body(summary=planned.counts, note=planned.note, findings=report.findings, changes=changes, data=data)


PLAN = Renderer("plan", text, body)


def versioned_data(rabbitmq: Target | None, limits: Sequence[DeliveryLimit]) -> dict[str, Any]:
    """The version whose rules apply, and each quorum queue's delivery limit in effect (null: unlimited)."""
    shown = {limit.queue: {"limit": limit.limit, "from": limit.source.value} for limit in limits}
    return {"rabbitmq": target_record(rabbitmq), "delivery_limits": shown}


def print_versioned(rabbitmq: Target | None, limits: Sequence[DeliveryLimit]) -> None:
    if rabbitmq is not None:
        click.echo(f"rules of {rabbitmq.described}")
    if limits:
        click.echo("quorum delivery limits: " + ", ".join(limit.shown for limit in limits))


def verdict(planned: Plan, apply: str) -> str:
    """The plan's last line: what stands in the way, or the command that carries it out."""
    extra = planned.of(Action.EXTRA)
    if planned.conflicts:
        return f"{counted(len(planned.conflicts), 'conflict')}: `apply` changes nothing until they are fixed"
    if planned.pending:
        left = f" ({counted(len(extra), 'extra object')} left alone)" if extra else ""
        return f"{counted(len(planned.pending), 'change')} pending: run `{apply}`{left}"
    if extra:
        return (
            f"the broker differs: {counted(len(extra), 'extra object')} not in routing.yaml "
            "(each line above says what to do); `apply` would change nothing"
        )
    unavailable = planned.of(Action.UNAVAILABLE)
    if unavailable:
        return (
            f"{counted(len(unavailable), 'object')} on cluster nodes that are down (each line above says which): "
            "`apply` leaves them alone, they come back with their node"
        )
    return "nothing to do"


def _kinds(changes: tuple[Change, ...]) -> str:
    kinds = Counter(c.kind for c in changes)
    return ", ".join(counted(n, kind.value, kind.plural) for kind, n in kinds.items())

"""plan, apply and inspect decide on what they read: tested here on a fake session, beside the live tests."""

from __future__ import annotations

from dataclasses import replace

import pytest

from topology.broker.amqp import Refusal
from topology.codes import ExitCode
from topology.commands.apply import StepStatus, apply_topology
from topology.commands.inspect import inspect_topology
from topology.commands.plan import plan_command, read_plan
from topology.errors import BrokerUnavailable
from topology.language.loader import parse_topology
from topology.model import Kind, Ref
from topology.planning.findings import findings_exit_code
from topology.planning.observed import LiveBinding, LiveExchange, LiveQueue, LiveState
from topology.planning.plan import Action, PlanOptions
from topology.testing.fake_session import FakeSession

FILE = """
unroutable: false  # the nets are tested in test_nets.py
dead_letters: false
delays: false  # the delay ladder is tested in test_delays.py
exchanges:
  jobs: {type: direct}
queues:
  work: {bindings: [{exchange: jobs, routing_key: work}]}
  spare: {}
routes:
  tasks.run: work
default_queue: work
"""
TOPOLOGY = parse_topology(FILE)
EMPTY = LiveState("v", {}, {}, frozenset())
WORK = Ref(Kind.QUEUE, "work")


def applied() -> LiveState:
    return LiveState(
        "v",
        {"jobs": LiveExchange("jobs", "direct", True, False, owner="topology")},
        {"work": LiveQueue("work", True, owner="topology"), "spare": LiveQueue("spare", True, owner="topology")},
        frozenset({LiveBinding("jobs", "work", Kind.QUEUE, "work", owner="topology")}),
    )


def test_apply_sends_declares_before_bindings_and_reports_each_change_done() -> None:
    session = FakeSession(EMPTY)
    report = apply_topology(TOPOLOGY, session)
    declare, bind, *later = session.sent
    assert later == [[]] * 5  # nothing to unbind, delete or recreate
    assert [op.ref for op in declare] == [Ref(Kind.EXCHANGE, "jobs"), WORK, Ref(Kind.QUEUE, "spare")]
    assert [op.method for op in bind] == ["queue_bind"] and bind[0].ref.source == "jobs"
    assert report.ok and {s.status for s in report.steps} == {StepStatus.CREATED}


def test_a_conflict_sends_nothing_at_all() -> None:
    state = replace(applied(), queues={**applied().queues, "work": LiveQueue("work", False, owner="topology")})
    session = FakeSession(state)
    report = apply_topology(TOPOLOGY, session)
    assert not report.ok and session.sent == [] and session.policies == []
    assert [(s.ref, s.status) for s in report.steps] == [(WORK, StepStatus.CONFLICT)]
    assert report.note.startswith("nothing was changed")


def test_a_refused_object_fails_alone_with_the_broker_s_reason() -> None:
    denied = Refusal(403, "ACCESS_REFUSED - access to queue 'spare' in vhost 'v' refused for user 'ci'")
    session = FakeSession(EMPTY, refuse={Ref(Kind.QUEUE, "spare"): denied})
    report = apply_topology(TOPOLOGY, session)
    failed = [s for s in report.steps if s.status is StepStatus.FAILED]
    assert [s.ref.name for s in failed] == ["spare"] and "set_permissions -p v ci" in failed[0].detail
    assert not report.ok and sum(s.status is StepStatus.CREATED for s in report.steps) == 3


def test_a_lost_connection_is_retried_from_a_fresh_read_and_said() -> None:
    session = FakeSession(EMPTY, lose_connection_once=True)
    report = apply_topology(TOPOLOGY, session)
    assert report.ok and session.reads == 2 and "retried after: lost the connection (fake)" in report.note


def test_counts_are_asked_only_when_a_decision_depends_on_them() -> None:
    session = FakeSession(applied())
    assert read_plan(TOPOLOGY, session).pending == () and session.asked == []
    changed = replace(applied(), queues={**applied().queues, "work": LiveQueue("work", False, owner="topology")})
    session = FakeSession(changed, counted={"work": (0, 0)})
    planned = read_plan(TOPOLOGY, session, PlanOptions(recreate=True))
    assert session.asked == [("work",)] and [c.action for c in planned.pending] == [Action.RECREATE, Action.CREATE]


def test_without_the_management_api_bindings_are_ensured_and_policies_refused() -> None:
    session = FakeSession(replace(applied(), bindings=frozenset(), unseen="read over AMQP"), management_down=True)
    assert [c.action for c in read_plan(TOPOLOGY, session).pending] == [Action.ENSURE]
    with_policy = parse_topology(FILE + "policies:\n  p: {queues: [work], max_length: 5}\n")
    with pytest.raises(BrokerUnavailable, match="declares policies, which only the management API can do"):
        read_plan(with_policy, session)
    with pytest.raises(BrokerUnavailable, match="--prune lists the vhost"):
        read_plan(TOPOLOGY, session, PlanOptions(prune=True))


def test_inspect_counts_first_then_asks_what_the_first_pass_left_and_finds_unconsumed_queues() -> None:
    session = FakeSession(applied(), counted={"work": (4, 0)})  # 'spare' refuses the first pass: asked again
    report = inspect_topology(TOPOLOGY, session)
    assert session.asked == [("work", "spare"), ("spare",)]
    assert [(row.name, row.exists, row.ready) for row in report.queues] == [("work", True, 4), ("spare", False, None)]
    assert [(f.code, f.ref) for f in report.findings] == [
        ("missing_queue", Ref(Kind.QUEUE, "spare")),
        ("no_consumer", WORK),
    ]
    assert findings_exit_code(report.findings) is ExitCode.DIFFERS


def test_a_queue_replaced_by_another_is_declared_and_bound_before_the_old_one_goes() -> None:
    """--prune moving a route from one queue to another: a failure part-way leaves the old route working."""
    moved = parse_topology(FILE.replace("work: {bindings", "jobs-v2: {bindings").replace(": work\n", ": jobs-v2\n"))
    old = {"work": LiveQueue("work", True, owner="topology", messages_ready=0, consumers=0)}
    session = FakeSession(replace(applied(), queues={**applied().queues, **old}))
    report = apply_topology(moved, session, PlanOptions(prune=True))
    declare, bind, unbind, delete, *recreate = session.sent
    assert [op.ref.name for op in declare] == ["jobs-v2"] and [op.ref.name for op in bind] == ["jobs-v2"]
    assert [(op.method, op.ref.name) for op in unbind] == [("queue_unbind", "work")]
    assert [(op.method, op.ref.name, op.if_idle) for op in delete] == [("queue_delete", "work", True)]
    assert recreate == [[]] * 3 and report.ok


def test_a_recreated_queue_is_deleted_if_idle_declared_and_bound_again_after_everything_else() -> None:
    changed = {"work": LiveQueue("work", False, owner="topology", messages_ready=0, consumers=0)}
    grown = parse_topology(
        FILE.replace("  spare: {}", "  spare: {}\n  fresh: {bindings: [{exchange: jobs, routing_key: f}]}")
    )
    session = FakeSession(replace(applied(), queues={**applied().queues, **changed}))
    apply_topology(grown, session, PlanOptions(recreate=True))
    declare, bind, unbind, delete, undeclare, redeclare, rebind = session.sent
    assert [op.ref.name for op in declare + bind] == ["fresh", "fresh"] and unbind == delete == []
    assert [(op.method, op.ref.name, op.if_idle, dict(op.arguments)) for op in undeclare] == [
        ("queue_delete", "work", True, {"queue": "work"})  # no if-unused/if-empty: quorum queues refuse them
    ]
    assert [op.ref.name for op in redeclare] == ["work"] and [op.ref.source for op in rebind] == ["jobs"]


def test_force_deletes_a_queue_in_use_unchecked_and_a_stream_only_with_force() -> None:
    busy = LiveQueue("work", False, owner="topology", messages_ready=3, consumers=1)
    session = FakeSession(replace(applied(), queues={**applied().queues, "work": busy}))
    apply_topology(TOPOLOGY, session, PlanOptions(recreate=True, force=True))
    assert [(op.ref.name, op.if_idle) for op in session.sent[4]] == [("work", False)]
    stream = LiveQueue("work", True, owner="topology", messages_ready=0, consumers=0, type="stream")
    planned = read_plan(
        TOPOLOGY,
        FakeSession(replace(applied(), queues={**applied().queues, "work": stream})),
        PlanOptions(recreate=True),
    )
    [conflict] = planned.conflicts
    assert "AMQP cannot count them" in conflict.detail
    assert conflict.fix.startswith("run `python -m topology apply --recreate --force` to delete it with its messages")


def test_a_delete_is_sent_only_once_confirmed_and_asked_about_by_name() -> None:
    changed = {"work": LiveQueue("work", False, owner="topology", messages_ready=0, consumers=0)}
    asked: list[str] = []

    def refuse(question: str) -> bool:
        asked.append(question)
        return False

    session = FakeSession(replace(applied(), queues={**applied().queues, **changed}))
    report = apply_topology(TOPOLOGY, session, PlanOptions(recreate=True), confirm=refuse)
    assert session.sent == [] and report.refused and not report.ok
    assert asked == ["delete 1 object: queue 'work' (to declare it again)"]
    agreed = apply_topology(TOPOLOGY, session, PlanOptions(recreate=True), confirm=lambda _: True)
    assert agreed.ok and any(op.method == "queue_delete" for phase in session.sent for op in phase)
    nothing_to_delete = FakeSession(applied())
    assert apply_topology(TOPOLOGY, nothing_to_delete, PlanOptions(prune=True), confirm=refuse).ok  # not asked
    assert len(asked) == 1


def test_a_saved_plan_is_carried_out_only_while_the_broker_is_as_it_was_planned() -> None:
    session = FakeSession(applied())
    planned = plan_command(TOPOLOGY, session, recreate=False, prune=True, force=False)
    outline = planned.report.plan.outline()
    assert (
        outline
        == plan_command(TOPOLOGY, FakeSession(applied()), recreate=False, prune=True, force=False).report.plan.outline()
    )
    extra = replace(applied(), queues={**applied().queues, "by-hand": LiveQueue("by-hand", True)})
    stale = apply_topology(TOPOLOGY, FakeSession(extra), PlanOptions(prune=True), planned_outline=outline)
    assert stale.refused.startswith("nothing was changed: the broker is no longer as the saved plan found it")
    assert not stale.ok
    same = FakeSession(applied())
    assert apply_topology(TOPOLOGY, same, PlanOptions(prune=True), planned_outline=outline).ok and same.sent

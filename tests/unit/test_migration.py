"""plan --migrate and apply --migrate's decisions on a fake session: which queues migrate, their steps in
order, each recorded, and a migration resumed from its record. The broker's side: tests/live/test_migrate.py."""

from __future__ import annotations

from dataclasses import replace

from tests.unit.test_commands import FILE, applied
from topology.checks.broker_rules import check_broker_rules
from topology.checks.versions import rules_for
from topology.commands.apply import StepStatus, apply_topology
from topology.language.loader import check_text, parse_topology
from topology.model import Kind, Ref
from topology.planning.migration import HOLDING_PREFIX, MigrationRecord, StepNo
from topology.planning.mirrored import mirrored_findings
from topology.planning.observed import Counts, LivePolicy, LiveQueue
from topology.planning.plan import Action, PlanOptions, plan
from topology.testing.fake_session import FakeSession

QUORUM = parse_topology(FILE.replace("work: {bindings", "work: {type: quorum, bindings"))
HOLDING = f"{HOLDING_PREFIX}work"


def _consumed() -> FakeSession:
    held = {"work": LiveQueue("work", True, owner="topology", messages_ready=1000, consumers=2)}
    counted: Counts = {"work": (1000, 2), HOLDING: (1000, 0)}  # what a move asks first: is its source there
    return FakeSession(replace(applied(), queues={**applied().queues, **held}), counted=counted)


def test_without_migrate_a_type_change_is_a_conflict_and_with_it_a_migration_of_the_queue_and_its_binding() -> None:
    live = _consumed().live
    assert plan(QUORUM, live).conflicts[0].ref == Ref(Kind.QUEUE, "work")
    planned = plan(QUORUM, live, PlanOptions(migrate=True))
    migrating = planned.of(Action.MIGRATE)
    assert [c.ref.kind for c in migrating] == [Kind.QUEUE, Kind.BINDING] and not planned.conflicts
    (migration,) = planned.migrations
    assert (migration.messages, migration.consumers, migration.resumes_after) == (1000, 2, 0)
    assert migration.changes == (("type", "classic", "quorum"),)
    assert [s.number for s in migration.steps] == list(StepNo)
    assert migration.expected_seconds(1000.0) == 2.0  # out and back


def test_apply_migrate_sends_each_step_in_order_and_records_each() -> None:
    session = _consumed()
    report = apply_topology(QUORUM, session, PlanOptions(migrate=True))
    assert report.ok and report.migrated[0].steps == tuple(range(1, 9))
    sent = [(op.method, op.ref.name) for phase in session.sent for op in phase if op.ref.kind is Kind.QUEUE]
    assert sent == [
        ("queue_declare", HOLDING),
        ("queue_delete", "work"),
        ("queue_declare", "work"),
        ("queue_delete", HOLDING),
    ]
    declared = next(op for phase in session.sent for op in phase if op.ref.name == HOLDING)
    assert declared.arguments["arguments"]["x-queue-type"] == "quorum"  # replicated like the queue it holds for
    assert session.moves == [("work", HOLDING), (HOLDING, "work")]
    assert [r.done for r in session.migration_records] == [0, 1, 2, 3, 4, 5, 6, 7, -1]  # -1: forgotten
    assert {s.status for s in report.steps if s.ref.name == "work"} == {StepStatus.MIGRATED}


def test_an_interrupted_migration_is_resumed_from_the_step_after_its_record() -> None:
    session = _consumed()
    gone = {k: v for k, v in session.live.queues.items() if k != "work"}  # deleted at step 5, not yet declared
    session.live = replace(session.live, queues=gone, migrating={"work": MigrationRecord("work", 5, "t")})
    assert [c.action for c in plan(QUORUM, session.live).changes if c.ref == Ref(Kind.QUEUE, "work")] == [Action.CREATE]
    assert [c.code.value for c in plan(QUORUM, session.live).cautions] == ["migration_interrupted"]
    report = apply_topology(QUORUM, session, PlanOptions(migrate=True))
    assert report.migrated[0].steps == (6, 7, 8) and session.moves == [(HOLDING, "work")]


def test_a_classic_queue_an_ha_policy_mirrors_and_a_lazy_one_are_found_with_their_quorum_equivalent() -> None:
    live = replace(
        applied(),
        queues={
            **applied().queues,
            "lazy": LiveQueue("lazy", True, arguments={"x-queue-mode": "lazy"}),
            "solid": LiveQueue("solid", True, arguments={"x-queue-type": "quorum"}, type="quorum"),
        },
        policies={
            "ha": LivePolicy("ha", "^(work|solid)$", "queues", 1, {"ha-mode": "exactly", "ha-params": 2}),
            "ttl": LivePolicy("ttl", "^spare$", "queues", 1, {"message-ttl": 1000}),
        },
    )
    found = [(f.code.value, f.ref.name) for f in mirrored_findings(live)]
    assert found == [("classic_argument_dropped", "lazy"), ("mirrored_queue", "work")]  # not quorum, not ttl
    (mirrored,) = [f for f in mirrored_findings(live) if f.ref.name == "work"]
    assert "ha-mode=exactly, ha-params=2" in mirrored.message and "`work: {type: quorum}`" in mirrored.fix


def test_validate_for_4_names_the_quorum_equivalent_of_what_an_ha_policy_mirrors() -> None:
    mirrored = check_text(
        FILE + "policies:\n  ha: {pattern: '^work$', definition: {ha-mode: all}}\n", versioned=False
    ).topology
    (problem,) = [p for p in check_broker_rules(mirrored, rules_for("4.0")) if "ha-mode" in p.message]
    assert "the quorum equivalent of what it mirrors: `work: {type: quorum}`" in problem.message
    assert not [p for p in check_broker_rules(mirrored, rules_for("3.10")) if "ha-mode" in p.message]

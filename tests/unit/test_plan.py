"""The plan, pure: live states built by hand, so every rule of create/conflict/recreate/extra/prune is pinned."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from topology.language.loader import parse_topology
from topology.model import Kind, Ref
from topology.planning.observed import LiveBinding, LiveExchange, LivePolicy, LiveQueue, LiveState
from topology.planning.plan import NO_OPTIONS, Action, PlanOptions, plan

FILE = """
unroutable: false  # the nets are tested in test_nets.py
dead_letters: false
delays: false  # the delay ladder is tested in test_delays.py
owner: team-a
exchanges:
  jobs: {type: direct}
queues:
  work: {bindings: [{exchange: jobs, routing_key: work}]}
default_queue: work
policies:
  limits: {queues: [work], max_length: 100, message_ttl: 1h}
"""
TOPOLOGY = parse_topology(FILE)
LIMITS = {"max-length": 100, "message-ttl": 3_600_000}


def applied(**changes: Any) -> LiveState:
    """The vhost as `apply` leaves it for FILE, with `changes` replacing whole fields."""
    state = LiveState(
        vhost="v",
        exchanges={"jobs": LiveExchange("jobs", "direct", True, False, owner="team-a")},
        queues={"work": LiveQueue("work", True, owner="team-a", messages_ready=0, consumers=0)},
        bindings=frozenset({LiveBinding("jobs", "work", Kind.QUEUE, "work", owner="team-a")}),
        policies={"limits": LivePolicy("limits", "^(work)$", "queues", 0, LIMITS)},
    )
    return replace(state, **changes)


def actions(state: LiveState, options: PlanOptions = NO_OPTIONS) -> list[tuple[str, str, str]]:
    """(action, kind, name) of every change that is not 'unchanged'."""
    return [(c.action.value, c.kind.value, c.ref.shown) for c in plan(TOPOLOGY, state, options).findings]


def test_an_applied_vhost_plans_nothing_and_the_owner_marker_is_not_a_difference() -> None:
    planned = plan(TOPOLOGY, applied())
    assert planned.pending == () and planned.conflicts == ()
    assert planned.counts == {"unchanged": 4}


def test_an_empty_vhost_plans_every_object_and_bindings_follow_their_exchange() -> None:
    planned = plan(TOPOLOGY, LiveState("v", {}, {}, frozenset()))
    assert planned.counts == {"create": 4}
    binding = next(c for c in planned.changes if c.kind == "binding")
    assert binding.implied_by == Ref(Kind.EXCHANGE, "jobs") and str(binding.implied_by) == "exchange 'jobs'"
    assert len(planned.findings) == 3  # the binding is part of its exchange's creation


def test_a_changed_queue_is_one_conflict_naming_each_difference_and_its_fix() -> None:
    state = applied(queues={"work": LiveQueue("work", False, arguments={"x-max-priority": 3}, owner="team-a")})
    [conflict] = plan(TOPOLOGY, state).conflicts
    assert conflict.detail.startswith(
        "durable is false on the broker but true in routing.yaml; x-max-priority is 3 on the broker but not set"
    )
    assert "apply --recreate" in conflict.fix and "rabbitmqctl -p v delete_queue work" in conflict.fix


def test_recreate_takes_an_empty_queue_and_refuses_one_holding_messages_or_consumed() -> None:
    changed = LiveQueue("work", False, owner="team-a", messages_ready=0, consumers=0)
    recreate = PlanOptions(recreate=True)
    planned = plan(TOPOLOGY, applied(queues={"work": changed}), recreate)
    assert [(c.action, c.kind) for c in planned.pending] == [(Action.RECREATE, "queue"), (Action.CREATE, "binding")]
    for busy in (replace(changed, messages_ready=5), replace(changed, consumers=1)):
        [conflict] = plan(TOPOLOGY, applied(queues={"work": busy}), recreate).conflicts
        assert "--recreate deletes only an empty queue nobody consumes" in conflict.detail
    unknown = plan(TOPOLOGY, applied(queues={"work": replace(changed, messages_ready=None)}), recreate)
    assert unknown.needs_counts() == ("work",)  # never guessed empty: apply asks the queue first


def test_prune_deletes_only_extras_with_our_owner_and_never_a_queue_holding_messages_without_force() -> None:
    base = applied()
    extras = {
        "ours": LiveQueue("ours", True, owner="team-a", messages_ready=0, consumers=0),
        "theirs": LiveQueue("theirs", True, owner="team-b", messages_ready=0, consumers=0),
        "unmarked": LiveQueue("unmarked", True, messages_ready=0, consumers=0),
        "celery-reply": LiveQueue("celery-reply", False, auto_delete=True),
    }
    state = replace(base, queues={**base.queues, **extras})
    assert actions(state) == [("extra", "queue", "ours"), ("extra", "queue", "theirs"), ("extra", "queue", "unmarked")]
    assert actions(state, PlanOptions(prune=True)) == [
        ("delete", "queue", "ours"),
        ("extra", "queue", "theirs"),
        ("extra", "queue", "unmarked"),
    ]
    holding = replace(state, queues={**state.queues, "ours": replace(extras["ours"], messages_ready=7)})
    [refused] = plan(TOPOLOGY, holding, PlanOptions(prune=True)).conflicts
    assert "holds 7 ready messages" in refused.detail
    assert ("delete", "queue", "ours") in actions(holding, PlanOptions(prune=True, force=True))


def test_extra_bindings_are_pruned_only_when_ours_and_a_missing_binding_is_one_finding() -> None:
    ours = LiveBinding("jobs", "work", Kind.QUEUE, "other-key", owner="team-a")
    manual = LiveBinding("jobs", "work", Kind.QUEUE, "manual-key")
    state = applied(bindings=frozenset({ours, manual}))
    assert actions(state, PlanOptions(prune=True)) == [
        ("create", "binding", "'jobs' -> queue 'work' (routing key 'work')"),
        ("extra", "binding", "'jobs' -> queue 'work' (routing key 'manual-key')"),
        ("delete", "binding", "'jobs' -> queue 'work' (routing key 'other-key')"),
    ]


def test_policies_are_created_updated_and_extras_only_reported() -> None:
    assert actions(applied(policies={})) == [("create", "policy", "limits")]
    changed = {"limits": LivePolicy("limits", "^(work)$", "queues", 0, {**LIMITS, "max-length": 5})}
    [update] = plan(TOPOLOGY, applied(policies=changed)).pending
    assert update.action is Action.UPDATE and update.detail == "max-length is 5 on the broker but 100 in routing.yaml"
    extra = {**applied().policies, "ha": LivePolicy("ha", ".*", "all", 0, {"max-length": 1})}
    assert actions(applied(policies=extra), PlanOptions(prune=True)) == [("extra", "policy", "ha")]


def test_an_exchange_whose_plugin_is_missing_is_a_conflict_before_anything_is_sent() -> None:
    topology = parse_topology(
        "exchanges:\n  later: {type: x-delayed-message, delayed_type: direct}\n"
        "queues:\n  q: {bindings: [{exchange: later, routing_key: q}]}\ndefault_queue: q\n"
    )
    state = LiveState("v", {}, {}, frozenset(), exchange_types=frozenset({"direct", "topic", "fanout", "headers"}))
    [conflict] = plan(topology, state).conflicts
    assert "`rabbitmq-plugins enable rabbitmq_delayed_message_exchange`" in conflict.detail


def test_an_extra_policy_s_fix_names_its_vhost_and_its_name() -> None:
    state = applied(policies={**applied().policies, "by-hand": LivePolicy("by-hand", ".*", "queues", 0, {})})
    [extra] = [c for c in plan(TOPOLOGY, state).changes if c.ref == Ref(Kind.POLICY, "by-hand")]
    assert extra.fix == "delete it (`rabbitmqctl clear_policy -p v by-hand`) or add it to routing.yaml"


def test_an_argument_moved_into_a_policy_says_one_recreate_is_still_needed() -> None:
    """The conflict's own fix proposed moving x-max-length into `policies:`: once it is moved, the queue still
    carries the argument, and the plan says what takes it off rather than proposing the move again."""
    declared = applied(queues={"work": replace(applied().queues["work"], arguments={"x-max-length": 100})})
    [conflict] = [c for c in plan(TOPOLOGY, declared).changes if c.action is Action.CONFLICT]
    assert "x-max-length is now set by policy 'limits'" in conflict.fix
    assert "one `python -m topology apply --recreate` is still needed" in conflict.fix
    assert "declare it under `policies:`" not in conflict.fix
    unmoved = parse_topology(FILE.replace("max_length: 100, ", ""))  # the policy does not set it: move it there
    [conflict] = [c for c in plan(unmoved, declared).changes if c.action is Action.CONFLICT]
    assert "declare it under `policies:`" in conflict.fix and "is now set by policy" not in conflict.fix

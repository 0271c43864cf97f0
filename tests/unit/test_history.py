"""The apply record and what plan says of it, decided on values and a fake session (the live tests in
tests/live/test_history.py run the same on a real broker, in a real git checkout)."""

from __future__ import annotations

from tests.conftest import WITHOUT_NETS
from topology.commands.apply import apply_command
from topology.commands.plan import plan_command
from topology.language.loader import parse_topology
from topology.planning.history import RECORD_ARGUMENT, RECORD_EXCHANGE, ApplyRecord, Source, since_last_apply
from topology.planning.observed import LiveState, from_definitions
from topology.testing.fake_session import FakeSession

FILE = "queues: {work: {}}\ndefault_queue: work\n"
NOW = Source("routing.yaml", "b" * 64, "c" * 40)
RECORD = ApplyRecord("2026-12-01T10:00:00+00:00", "routing.yaml", "a" * 64, "d" * 40, False, "topology")


def test_a_changed_file_names_both_commits_and_the_diff() -> None:
    found = since_last_apply(RECORD, NOW, differs=True)
    assert found.file_changed and not found.broker_changed
    assert f"commit {'d' * 12} -> {'c' * 12}, file hash {'a' * 12} -> {'b' * 12}" in found.message
    assert found.message.endswith(f"`git diff {'d' * 12} {'c' * 12} -- routing.yaml`")
    dirty = since_last_apply(RECORD, Source("routing.yaml", "b" * 64, "c" * 40, dirty=True), differs=False)
    assert "with uncommitted changes" in dirty.message and "git diff" not in dirty.message


def test_the_same_file_with_differences_means_the_broker_changed() -> None:
    same = Source("routing.yaml", "a" * 64, "d" * 40)
    assert since_last_apply(RECORD, same, differs=True).broker_changed
    quiet = since_last_apply(RECORD, same, differs=False)
    assert not quiet.broker_changed and not quiet.file_changed and "unchanged" in quiet.message


def test_a_record_not_ours_is_no_record() -> None:
    assert ApplyRecord.from_argument("by hand") is None and ApplyRecord.from_argument('{"file": "x"}') is None
    assert ApplyRecord.from_argument(None) is None and ApplyRecord.from_argument(RECORD.argument()) == RECORD


def test_apply_records_itself_and_plan_reads_it_back() -> None:
    session = FakeSession(LiveState("v", {}, {}, frozenset()))
    topology = parse_topology(FILE)
    applied = apply_command(topology, session, None, recreate=False, prune=False, force=False, source=NOW)
    assert applied.report.ok and applied.report.note == ""
    [record] = session.records
    assert (record.sha256, record.commit, record.owner) == (NOW.sha256, NOW.commit, "topology")
    planned = plan_command(topology, session, recreate=False, prune=False, force=False, source=NOW)
    assert planned.report.plan.since is not None and planned.report.plan.since.record == record


def test_without_the_management_api_apply_notes_it_could_not_record() -> None:
    session = FakeSession(LiveState("v", {}, {}, frozenset()), management_down=True)
    topology = parse_topology(FILE + WITHOUT_NETS)  # the nets are set by policy: they need the management API
    applied = apply_command(topology, session, None, recreate=False, prune=False, force=False, source=NOW)
    assert "this apply was not recorded on the broker" in applied.report.note and session.records == []


def test_the_record_is_read_with_the_vhost_and_is_no_object_of_it() -> None:
    """An exchange of the vhost holds it: gone with the vhost, never extra, never adopted or drawn."""
    record = {"name": RECORD_EXCHANGE, "type": "fanout", "durable": True, "auto_delete": False, "internal": True}
    record["arguments"] = {RECORD_ARGUMENT: RECORD.argument(), "x-topology-owner": "topology"}
    state = from_definitions("v", {"exchanges": [record], "queues": [], "bindings": [], "policies": []})
    assert state.exchanges == {} and state.recorded == RECORD
    fresh = from_definitions("v", {"exchanges": [], "queues": [], "bindings": [], "policies": []})
    assert fresh.recorded is None


def test_a_binding_to_a_queue_the_definitions_leave_out_is_an_exclusive_queue_s_and_left_out() -> None:
    """RabbitMQ 4.x's definitions list a Broadcast worker's exclusive queue's bindings without the queue: such a
    binding is no drift (measured on 4.3: inspect called it an extra binding)."""
    queue = {"name": "q", "durable": True, "auto_delete": False, "arguments": {}}
    binding = {"source": "x", "destination_type": "queue", "routing_key": "k", "arguments": {}}
    to_exchange = {**binding, "destination": "y", "destination_type": "exchange"}
    state = from_definitions(
        "v",
        {
            "exchanges": [],
            "queues": [queue],
            "bindings": [{**binding, "destination": "q"}, {**binding, "destination": "bcast.1"}, to_exchange],
            "policies": [],
        },
    )
    assert sorted(b.destination for b in state.bindings) == ["q", "y"]

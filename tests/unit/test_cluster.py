"""What plan, apply, inspect and doctor decide on a cluster, from a fake session: queues on a down node,
members down, leaders on one node, consumers counted on a down node. tests/live/cluster runs the same on
three real nodes."""

from __future__ import annotations

from dataclasses import replace

from topology.broker.management import BrokerNode
from topology.broker.settings import Settings, resolve_settings
from topology.celery_adapter.transport import celery_transport
from topology.codes import Code, ExitCode
from topology.commands.apply import StepStatus, apply_topology
from topology.commands.doctor import DoctorReport
from topology.commands.inspect import inspect_topology
from topology.commands.plan import plan_command, read_plan
from topology.language.loader import parse_topology
from topology.model import Kind, Ref, Severity
from topology.planning.activity import Traffic
from topology.planning.consumers import Consumer, WorkerReply
from topology.planning.findings import Finding, findings_exit_code
from topology.planning.observed import ClusterState, Counts, LiveBinding, LiveExchange, LiveQueue, LiveState, Placement
from topology.planning.plan import Action, PlanOptions
from topology.testing.fake_session import FakeSession

FILE = """
unroutable: false
dead_letters: false
delays: false  # the delay ladder is tested in test_delays.py
exchanges:
  jobs: {type: direct}
queues:
  local: {bindings: [{exchange: jobs, routing_key: local}]}
  shared: {type: quorum, leader_locator: balanced, bindings: [{exchange: jobs, routing_key: shared}]}
  other: {type: quorum}
routes:
  tasks.run: local
default_queue: shared
"""
TOPOLOGY = parse_topology(FILE)
NODES = ("n1@h", "n2@h", "n3@h")
LOCAL, SHARED = Ref(Kind.QUEUE, "local"), Ref(Kind.QUEUE, "shared")


def quorum(name: str, leader: str, online: tuple[str, ...] = NODES) -> Placement:
    return Placement(name, "quorum", leader=leader, members=NODES, online=online)


def cluster(down: tuple[str, ...] = (), leaders: tuple[str, str] = ("n1@h", "n2@h")) -> ClusterState:
    online = tuple(n for n in NODES if n not in down)
    placements = {
        "local": Placement("local", "classic", node="n3@h", down="n3@h" in down),
        "shared": quorum("shared", leaders[0], online),
        "other": quorum("other", leaders[1], online),
    }
    return ClusterState(online, down, placements)


def applied(view: ClusterState | None) -> LiveState:
    """The file applied; with n3 down, RabbitMQ lists no binding of the classic queue that lives on it."""
    down = view is not None and "n3@h" in view.down
    bindings = {LiveBinding("jobs", "shared", Kind.QUEUE, "shared", owner="topology")}
    if not down:
        bindings.add(LiveBinding("jobs", "local", Kind.QUEUE, "local", owner="topology"))
    queue_args = {"x-queue-leader-locator": "balanced"}
    queues = {
        "local": LiveQueue("local", True, owner="topology"),
        "shared": LiveQueue("shared", True, arguments=queue_args, type="quorum", owner="topology"),
        "other": LiveQueue("other", True, type="quorum", owner="topology"),
    }
    exchanges = {"jobs": LiveExchange("jobs", "direct", True, False, owner="topology")}
    return LiveState("v", exchanges, queues, frozenset(bindings), cluster=view)


def consumer(queue: str, node: str, tag: str = "None1") -> Consumer:
    return Consumer(queue, tag, f"conn on {node}", "127.0.0.1:1", 1, True, "py-amqp", node=node)


def no_replies(settings: Settings) -> list[WorkerReply]:
    return []


def test_the_leader_locator_option_is_the_x_argument() -> None:
    assert TOPOLOGY.queue("shared").arguments["x-queue-leader-locator"] == "balanced"  # type: ignore[union-attr]


def test_a_classic_queue_on_a_down_node_is_unavailable_not_missing_and_apply_sends_nothing_for_it() -> None:
    session = FakeSession(applied(cluster(down=("n3@h",))))
    planned = read_plan(TOPOLOGY, session)
    local = {c.ref: c for c in planned.changes if c.ref == LOCAL or c.implied_by == LOCAL}
    assert {c.action for c in local.values()} == {Action.UNAVAILABLE} and len(local) == 2  # the queue, its binding
    assert planned.pending == ()
    result = plan_command(TOPOLOGY, session, recreate=False, prune=False, force=False)
    assert result.exit_code is ExitCode.DIFFERS
    report = apply_topology(TOPOLOGY, session)
    assert all(op.ref != LOCAL and LOCAL not in op.ref.endpoints for phase in session.sent for op in phase)
    assert not report.ok and StepStatus.UNAVAILABLE in {s.status for s in report.steps}


def test_inspect_calls_a_queue_on_a_down_node_by_its_name_and_keeps_it() -> None:
    """Its passive declare answers NOT_FOUND ("home node ... is down"): the fake's None."""
    counted: Counts = {"shared": (0, 1), "other": (0, 1), "local": None}
    session = FakeSession(applied(cluster(down=("n3@h",))), counted=counted)
    report = inspect_topology(TOPOLOGY, session, replies=no_replies)
    codes = {f.code: f for f in report.findings}
    assert "missing_queue" not in codes and "missing_binding" not in codes
    down = codes[Code.QUEUE_NODE_DOWN]
    assert down.severity is Severity.ERROR and "n3@h" in down.message
    assert codes[Code.NODE_DOWN].ref == Ref(Kind.NODE, "n3@h")
    assert codes[Code.QUORUM_MEMBER_DOWN].severity is Severity.WARNING
    [local] = [row for row in report.queues if row.name == "local"]
    assert local.exists and local.consumers is None
    assert findings_exit_code(report.findings) is ExitCode.DIFFERS


def test_a_quorum_queue_without_a_majority_is_an_error() -> None:
    view = cluster(down=("n2@h", "n3@h"))
    report = inspect_topology(TOPOLOGY, FakeSession(applied(view), counted={}), replies=no_replies)
    lost = [f for f in report.findings if f.code == "quorum_lost"]
    assert [f.ref.name for f in lost] == ["shared", "other"] and lost[0].severity is Severity.ERROR


def test_all_leaders_on_one_node_is_a_warning_naming_the_rebalance() -> None:
    counted: Counts = {"shared": (0, 1), "other": (0, 1), "local": (0, 1)}
    crowded = inspect_topology(TOPOLOGY, FakeSession(applied(cluster(leaders=("n1@h", "n1@h"))), counted=counted))
    spread = inspect_topology(TOPOLOGY, FakeSession(applied(cluster()), counted=counted))
    [warning] = [f for f in crowded.findings if f.code == "leaders_on_one_node"]
    assert "rabbitmq-queues rebalance quorum" in warning.fix and warning.ref == Ref(Kind.NODE, "n1@h")
    assert "leaders_on_one_node" not in {f.code for f in spread.findings}
    alone = replace(cluster(leaders=("n1@h", "n1@h")), running=("n1@h",), down=())
    assert "leaders_on_one_node" not in {f.code for f in cluster_codes(alone, counted)}


def cluster_codes(view: ClusterState, counted: Counts) -> list[Finding]:
    return list(inspect_topology(TOPOLOGY, FakeSession(applied(view), counted=counted)).findings)


def test_consumers_on_a_down_node_are_not_live_workers() -> None:
    """A quorum queue still counts the consumer of a channel that died with its node: 2 where 1 worker runs."""
    counted: Counts = {"shared": (0, 2), "other": (0, 0), "local": None}
    traffic = Traffic(consumers=(consumer("shared", "n1@h"), consumer("shared", "n3@h", "None2")))
    session = FakeSession(applied(cluster(down=("n3@h",))), counted=counted, seen_traffic=traffic)
    report = inspect_topology(TOPOLOGY, session, replies=no_replies)
    [shared] = [row for row in report.queues if row.name == "shared"]
    assert shared.consumers == 1 and [w.consumer.node for w in shared.workers] == ["n1@h"]
    [ghost] = [f for f in report.findings if f.code == "ghost_consumers"]
    assert ghost.ref == SHARED and "2 consumers" in ghost.message


def test_a_classic_queue_on_a_cluster_is_a_caution_not_drift() -> None:
    session = FakeSession(applied(cluster()))
    planned = read_plan(TOPOLOGY, session)
    assert [(c.code, c.ref) for c in planned.cautions] == [("classic_not_replicated", LOCAL)]
    assert plan_command(TOPOLOGY, session, recreate=False, prune=False, force=False).exit_code is ExitCode.OK
    assert read_plan(TOPOLOGY, FakeSession(applied(None))).cautions == ()
    counted: Counts = {"shared": (0, 1), "other": (0, 1), "local": (0, 1)}
    report = inspect_topology(TOPOLOGY, FakeSession(applied(cluster()), counted=counted))
    assert findings_exit_code(report.findings, require_consumers=True) is ExitCode.OK  # not about consumers


def test_prune_never_deletes_an_extra_queue_on_a_down_node() -> None:
    view = replace(cluster(down=("n3@h",)), placements={"old": Placement("old", "classic", node="n3@h", down=True)})
    state = applied(view)
    state = replace(state, queues={**state.queues, "old": LiveQueue("old", True, owner="topology")})
    planned = read_plan(TOPOLOGY, FakeSession(state), PlanOptions(prune=True, force=True))
    assert [c.action for c in planned.changes if c.ref.name == "old"] == [Action.UNAVAILABLE]


def test_the_aliveness_test_queue_is_not_drift() -> None:
    state = applied(None)
    state = replace(state, queues={**state.queues, "aliveness-test": LiveQueue("aliveness-test", True)})
    assert read_plan(TOPOLOGY, FakeSession(state)).of(Action.EXTRA) == ()


def test_doctor_is_unhealthy_with_a_node_down_an_alarm_a_partition_or_a_quorum_critical_queue() -> None:
    settings = resolve_settings("amqp://guest:guest@fake:5672/v")
    fine = (BrokerNode("n1@h", 65536), BrokerNode("n2@h", 65536))

    def report(nodes: tuple[BrokerNode, ...], critical: tuple[str, ...] = ()) -> DoctorReport:
        return DoctorReport(settings, celery_transport(settings), 0, 0, nodes, critical)

    assert report(fine).healthy and DoctorReport(settings, celery_transport(settings), 0, 0, None).healthy
    assert not report((fine[0], replace(fine[1], running=False))).healthy
    assert not report((fine[0], replace(fine[1], alarms=("memory",)))).healthy
    assert not report((fine[0], replace(fine[1], partitions=("n1@h",)))).healthy
    assert not report(fine, ("v/shared",)).healthy

"""The routing picture: nodes and edges read back from the DOT text, the live overlay, focus, and scale."""

from __future__ import annotations

import re
import shutil
import subprocess

from tests.conftest import ROOT, SEED
from topology.codes import Code
from topology.language.loader import parse_topology
from topology.model import Kind, Severity
from topology.picture.dot import to_dot
from topology.picture.graph import EdgeKind, NodeKind, Overlay, build
from topology.picture.mermaid import to_mermaid
from topology.planning.activity import QueueActivity, Thresholds, backlog_findings
from topology.planning.consumers import Consumer, Identified, WorkerReply, consumer_findings, identify
from topology.planning.live_routes import capture_findings, live_routes
from topology.planning.observed import LiveBinding, LiveExchange, LiveQueue, LiveState
from topology.planning.plan import plan
from topology.testing.synthetic import synthetic_yaml

EDGE = re.compile(r'^\s*"([^"]+)" -> "([^"]+)"(?: \[(.*)\])?;$', re.M)
NODE = re.compile(r'^\s*"([^"]+)" \[label="([^"]*)"(.*)\];$', re.M)

EVENTS = parse_topology(
    """\
exchanges:
  events: {type: topic, alternate_exchange: unrouted}
  unrouted: {type: fanout}
  audit: {type: fanout, bindings: [{exchange: events, routing_key: "#"}]}
  dead: {type: direct}
  by_header: {type: headers}
queues:
  reports: {dead_letter_exchange: dead, bindings: [{exchange: events, routing_key: "report.#"}]}
  default: {bindings: [{exchange: events, routing_key: default}]}
  audit_log: {bindings: [{exchange: audit}]}
  lost: {bindings: [{exchange: unrouted}]}
  dead_reports: {bindings: [{exchange: dead, routing_key: reports}]}
  urgent: {bindings: [{exchange: by_header, match: any, headers: {urgent: true, task: tasks.page}}]}
routes:
  tasks.report: {exchange: events, routing_key: report.daily}
  tasks.page: {exchange: by_header}
default_queue: default
"""
)


def edges(dot: str) -> dict[tuple[str, str], str]:
    return {(source, target): attributes or "" for source, target, attributes in EDGE.findall(dot)}


def nodes(dot: str) -> dict[str, str]:
    return {ident: label + rest for ident, label, rest in NODE.findall(dot)}


def test_the_seed_picture_has_each_task_exchange_queue_and_the_edges_between() -> None:
    dot = to_dot(build(parse_topology(SEED)))
    found = nodes(dot)
    for name in ("tasks.taskA", "tasks.taskB", "tasks.add"):
        assert f"task:{name}" in found
    for name in ("default", "for_task_A", "for_task_B"):
        assert f"exchange:{name}" in found and f"queue:{name}" in found
        assert 'label="' + name + '"' in edges(dot)[(f"exchange:{name}", f"queue:{name}")]
    assert 'label="for_task_A"' in edges(dot)[("task:tasks.taskA", "exchange:for_task_A")]
    assert ("task:tasks.add", "exchange:default") in edges(dot)
    assert dot.count("subgraph cluster_") == 3 + 2  # the seed's exchanges and the two nets'
    assert ("exchange:for_task_A", "exchange:topology.unroutable") in edges(dot)
    assert ("queue:for_task_A", "exchange:topology.dead-letters") in edges(dot)


def test_hops_alternate_and_dead_letter_edges_are_drawn_each_their_own_way() -> None:
    found = edges(to_dot(build(EVENTS)))
    assert (
        'label="#"' in found[("exchange:events", "exchange:audit")]
        and "#1a73e8" in found[("exchange:events", "exchange:audit")]
    )
    assert "style=dashed" in found[("exchange:events", "exchange:unrouted")]
    assert "style=dotted" in found[("queue:reports", "exchange:dead")]
    assert 'label="task=tasks.page or urgent=true"' in found[("exchange:by_header", "queue:urgent")]
    assert 'label="report.daily"' in found[("task:tasks.report", "exchange:events")]


def test_mermaid_has_the_same_nodes_and_edges() -> None:
    text = to_mermaid(build(EVENTS))
    assert text.startswith("flowchart LR\n")
    assert text.count(" ==>") == 3  # tasks.report, tasks.page, tasks without a route
    assert '-.->|"dead letters"|' in text and '-.->|"unroutable"|' in text
    assert '[("reports")]' in text and '{{"events<br/>topic"}}' in text


def test_focus_on_a_task_keeps_only_its_way() -> None:
    focused = build(EVENTS).focused("tasks.report")
    assert focused is not None
    queues = set(focused.names(NodeKind.QUEUE))
    nets = {"topology.unroutable", "topology.dead-letters"}  # what follows: the nets of the exchanges and queues
    assert queues == {"reports", "audit_log", "dead_reports"} | nets  # report.# and the # hop, then dead letters
    assert build(EVENTS).focused("nothing") is None


def test_focus_on_a_queue_keeps_what_feeds_it() -> None:
    focused = build(EVENTS).focused("audit_log")
    assert focused is not None
    assert {n.id for n in focused.nodes} >= {"exchange:audit", "exchange:events", "task:tasks.report"}
    assert "queue:reports" not in {n.id for n in focused.nodes}


def applied(topology_yaml: str) -> LiveState:
    topology = parse_topology(topology_yaml)
    exchanges = {e.name: LiveExchange(e.name, e.type.value, True, False) for e in topology.exchanges}
    queues = {q.name: LiveQueue(q.name, True, messages_ready=0, consumers=0) for q in topology.queues}
    bindings = frozenset(LiveBinding(b.exchange, q.name, Kind.QUEUE, b.routing_key) for q, b in topology.bindings())
    return LiveState("v", exchanges, queues, bindings)


def test_live_overlay_draws_missing_red_and_a_capturing_extra_binding_grey() -> None:
    topology = parse_topology(SEED)
    live = applied(SEED)
    live = LiveState(
        "v",
        live.exchanges,
        {**live.queues, "scratch": LiveQueue("scratch", True)},
        (live.bindings - {LiveBinding("for_task_A", "for_task_A", Kind.QUEUE, "for_task_A")})
        | {LiveBinding("for_task_A", "scratch", Kind.QUEUE, "for_task_A")},
    )
    activity = {"scratch": QueueActivity("scratch", 4, 1, 0)}
    graph = build(topology, (), Overlay(live, plan(topology, live), activity))
    dot = to_dot(graph)
    assert "color=red" in edges(dot)[("exchange:for_task_A", "queue:for_task_A")]
    assert "grey" in edges(dot)[("exchange:for_task_A", "queue:scratch")]
    assert "ready 4 · unacked 1" in nodes(dot)["queue:scratch"] and "not in routing.yaml" in nodes(dot)["queue:scratch"]
    assert graph.reaches["task:tasks.taskA"] == ("queue:scratch",)  # routed through what the broker holds
    findings = capture_findings(topology, live, live_routes(topology, live))
    assert [f.message for f in findings] == [
        "tasks.taskA goes to 'scratch' instead of 'for_task_A', through a binding not in routing.yaml "
        "('for_task_A' -> queue 'scratch' (routing key 'for_task_A'))"
    ]


def test_an_extra_copy_is_named_as_also_going_there() -> None:
    topology = EVENTS
    live = applied_events()
    findings = capture_findings(topology, live, live_routes(topology, live, ["tasks.report"]))
    assert len(findings) == 1 and findings[0].message.startswith("tasks.report also goes to 'scratch'")


def applied_events() -> LiveState:
    exchanges = {
        e.name: LiveExchange(e.name, e.type.value, True, False, arguments=dict(e.arguments)) for e in EVENTS.exchanges
    }
    queues = {q.name: LiveQueue(q.name, True) for q in EVENTS.queues} | {"scratch": LiveQueue("scratch", True)}
    bindings = {
        LiveBinding(b.exchange, d.name, Kind.QUEUE if d in EVENTS.queues else Kind.EXCHANGE, b.routing_key)
        for d, b in EVENTS.all_bindings()
        if not b.arguments
    }
    return LiveState(
        "v", exchanges, queues, frozenset(bindings | {LiveBinding("events", "scratch", Kind.QUEUE, "report.#")})
    )


def consumer(queue: str, product: str = "py-amqp", **properties: object) -> Consumer:
    return Consumer(queue, "None4", "conn", "10.0.0.1:5000", 1, True, product, properties=properties)


def test_workers_are_named_by_their_client_properties_else_by_remote_control() -> None:
    consumers = [
        consumer("for_task_A", celery_worker="a@host", celery_pid=41, celery_host="host"),
        consumer("for_task_B"),
        consumer("default", product="Pika Python Client Library"),
    ]
    named = identify(consumers, [WorkerReply("b@other", ("for_task_B",))])
    assert [(w.worker, w.identified, w.pid) for w in named] == [
        ("a@host", Identified.CLIENT_PROPERTIES, 41),
        ("b@other", Identified.REMOTE_CONTROL, None),
        (None, Identified.NOT_CELERY, None),
    ]
    codes = [f.code for f in consumer_findings(parse_topology(SEED), named)]
    assert codes == ["foreign_consumer"]


def test_a_worker_on_an_undeclared_queue_and_consumers_that_take_nothing_are_flagged() -> None:
    standby = Consumer("default", "t", "c", "p", 1, False, "py-amqp", properties={"celery_worker": "w@h"})
    named = identify([consumer("scratch", celery_worker="w@h"), standby], None)
    found = {f.code: f for f in consumer_findings(parse_topology(SEED), named)}
    assert set(found) == {"undeclared_queue_consumed", "idle_consumers"}
    assert found[Code.IDLE_CONSUMERS].severity is Severity.WARNING


def test_thresholds_make_backlog_findings() -> None:
    queues = [QueueActivity("a", 10, 0, 1, head_timestamp=1000.0), QueueActivity("b", 1, 0, 1, head_timestamp=1090.0)]
    found = backlog_findings(queues, Thresholds(max_ready=5, max_age=60), now=1100.0)
    assert [(f.code, f.ref.name) for f in found] == [("backlog", "a"), ("backlog_age", "a")]
    assert backlog_findings(queues, Thresholds(), now=1100.0) == []


def test_three_hundred_queues_are_grouped_one_cluster_per_exchange_and_dot_lays_them_out() -> None:
    topology = parse_topology(synthetic_yaml(1000))
    assert len(topology.queues) == 300 + 2  # and the two nets' queues
    dot = to_dot(build(topology))
    assert dot.count("subgraph cluster_") == len(topology.exchanges) == 100 + 2
    focused = build(topology).focused("svc7.q0")
    assert focused is not None and len(focused.nodes) <= 6  # its exchange, the task routed to it, itself, its nets
    dot_program = shutil.which("dot")
    assert dot_program is not None, "Graphviz's dot is needed: scripts/test installs it (apt-get install graphviz)"
    svg = subprocess.run([dot_program, "-Tsvg"], input=dot, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert svg.returncode == 0, svg.stderr
    assert svg.stdout.count('class="cluster"') == 100 + 2


def test_the_delay_ladder_is_one_node_leading_to_each_of_the_file_s_exchanges_when_due() -> None:
    """The ladder's levels are not drawn one by one: one node, an edge to every exchange of the file (a delayed
    task meets its own exchange once due), none to the nets; a file with `delays: false` has no such node."""
    topology = parse_topology(SEED)
    assert topology.nets.delays is not None
    graph = build(topology)
    ladder = graph.node(f"exchange:{topology.nets.delays.prefix}.*")
    assert ladder is not None and f"{topology.nets.delays.levels} levels" in ladder.notes[0]
    due = sorted(e.target for e in graph.edges if e.kind is EdgeKind.DELAYED)
    own = sorted(f"exchange:{e.name}" for e in topology.exchanges if e.name not in topology.nets.keeping)
    assert due == own and own
    assert "when due" in to_dot(graph) and "when due" in to_mermaid(graph)
    without = build(parse_topology(SEED + "delays: false\n"))
    assert not [e for e in without.edges if e.kind is EdgeKind.DELAYED]
    assert not [n for n in without.nodes if n.name.endswith(".*")]

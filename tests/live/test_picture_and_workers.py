"""graph --live, workers, routes --live and inspect's new parts on a real broker with real workers, and the
routing picture opened in a real headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from celery import Celery

from tests.conftest import OWNED, SEED, envelope
from tests.live.conftest import Broker, wait_until
from topology.broker.session import VhostSession
from topology.celery_adapter.config import configure
from topology.codes import Code
from topology.commands.inspect import inspect_topology
from topology.commands.workers import workers_report
from topology.language.loader import load_topology
from topology.model import DEAD_LETTER_NET, UNROUTABLE_NET
from topology.planning.findings import findings_exit_code

EVENTS = """\
exchanges:
  events: {type: topic}
queues:
  reports: {bindings: [{exchange: events, routing_key: "report.#"}]}
  default: {bindings: [{exchange: events, routing_key: default}]}
routes:
  tasks.report: {exchange: events, routing_key: report.daily}
default_queue: default
"""


def applied(broker: Broker, text: str) -> Path:
    path = broker.write(text)
    assert broker.cli("apply", file=path).returncode == 0
    return path


def test_a_hand_made_queue_capturing_a_route_is_named_by_inspect_routes_and_graph(broker: Broker) -> None:
    path = applied(broker, EVENTS)
    with broker.connection() as connection:
        channel = connection.channel()
        channel.queue_declare("scratch", durable=True)
        channel.queue_bind("scratch", "events", "report.#")
    inspected = broker.cli("inspect", file=path)
    assert inspected.returncode == 1, inspected.stdout
    assert "tasks.report also goes to 'scratch' through a binding not in routing.yaml" in inspected.stdout
    routes = broker.cli("routes", "--live", "--format", "json", file=path)
    assert routes.returncode == 1, routes.stderr
    report = next(t for t in json.loads(routes.stdout)["data"]["live_routes"] if t["task"] == "tasks.report")
    assert report["queues_on_broker"] == ["reports", "scratch"] and report["captured"] == ["scratch"]
    dot = broker.cli("graph", "--live", "--format", "dot", file=path)
    assert dot.returncode == 0, dot.stderr
    assert '"exchange:events" -> "queue:scratch" [label="report.#", color=grey55' in dot.stdout
    assert "not in routing.yaml" in dot.stdout


def test_graph_live_marks_a_deleted_binding_red(broker: Broker) -> None:
    path = applied(broker, SEED)
    with broker.connection() as connection:
        connection.channel().queue_unbind("for_task_A", "for_task_A", "for_task_A", OWNED)
    dot = broker.cli("graph", "--live", "--format", "dot", file=path)
    assert '"exchange:for_task_A" -> "queue:for_task_A" [label="for_task_A", color=red' in dot.stdout
    routes = broker.cli("routes", "--live", file=path)
    # with the nets on (SEED does not opt out), the task no binding takes is kept, not dropped
    assert routes.returncode == 1 and "DROPPED" not in routes.stdout
    [task_a] = [line for line in routes.stdout.splitlines() if line.startswith("tasks.taskA ")]
    assert f"kept: {UNROUTABLE_NET}" in task_a and task_a.endswith("routing.yaml also says: for_task_A")


def test_workers_names_each_celery_worker_and_flags_a_foreign_consumer(broker: Broker) -> None:
    path = applied(broker, SEED)
    worker = broker.worker("for_task_A", path, name="alpha")
    with broker.connection() as connection:
        channel = connection.channel()
        channel.basic_consume("for_task_B", lambda *_: None)

        def listed() -> bool:
            shown = broker.cli("workers", "--format", "json", file=path)
            by_queue = {c["queue"]: c for c in json.loads(shown.stdout)["data"]["consumers"]}
            alpha = by_queue.get("for_task_A", {})
            # the channel's statistics give prefetch 0 until RabbitMQ emits them after the worker's basic.qos
            return "for_task_B" in by_queue and alpha.get("worker") is not None and (alpha.get("prefetch") or 0) > 0

        wait_until(listed, "both consumers, their connections and the worker's prefetch in the API's statistics")
        shown = broker.cli("workers", "--format", "json", file=path)
    assert shown.returncode == 1  # the foreign consumer
    data = json.loads(shown.stdout)
    alpha = next(c for c in data["data"]["consumers"] if c["queue"] == "for_task_A")
    assert alpha["worker"] == f"alpha-{broker.vhost}@{alpha['host']}"
    # kombu sets the prefetch on the channel (concurrency x multiplier): read there, not as 0 from the consumer
    assert alpha["pid"] == worker.pid and alpha["prefetch"] > 0 and alpha["identified_by"] == "client properties"
    assert [(f["code"], f["kind"], f["name"]) for f in data["findings"]] == [
        ("foreign_consumer", "queue", "for_task_B")
    ]
    assert not data["data"]["asked_remote_control"]  # every kombu consumer named itself


def test_inspect_lists_every_queue_and_exits_1_over_its_thresholds(broker: Broker) -> None:
    path = applied(broker, SEED)
    with broker.connection() as connection:
        connection.channel().queue_declare("hand_made", durable=True)
    app = configure(Celery("client", set_as_current=False), load_topology(path), broker_url=broker.url)
    try:
        for _ in range(3):
            app.send_task("tasks.taskA", (1, 2))
    finally:
        app.close()

    def aged() -> bool:
        shown = json.loads(broker.cli("inspect", "--format", "json", file=path).stdout)
        queue = next(q for q in shown["data"]["vhost_queues"] if q["name"] == "for_task_A")
        return queue["messages_ready"] == 3 and (queue["oldest_message_age"] or 0) >= 1

    wait_until(aged, "the statistics to show three stamped messages in for_task_A")
    shown = json.loads(broker.cli("inspect", "--format", "json", file=path).stdout)
    every = {"default", "for_task_A", "for_task_B", "hand_made", UNROUTABLE_NET, DEAD_LETTER_NET}  # the nets' too
    assert {q["name"] for q in shown["data"]["vhost_queues"]} == every
    with broker.connection() as connection:
        connection.channel().queue_delete("hand_made")  # an extra queue is drift: exit 1 whatever the thresholds
    assert broker.cli("inspect", "--max-ready", "3", file=path).returncode == 0
    over = broker.cli("inspect", "--max-ready", "2", file=path)
    assert over.returncode == 1 and "holds 3 ready messages, more than --max-ready 2" in over.stdout
    assert broker.cli("inspect", "--max-age", "1h", file=path).returncode == 0
    old = broker.cli("inspect", "--max-age", "500ms", file=path)
    assert old.returncode == 1 and "oldest message has waited" in old.stdout
    assert broker.cli("inspect", "--max-age", "soon", file=path).returncode == 2


def test_the_seed_picture_renders_in_headless_chromium(broker: Broker) -> None:
    """No broker needed for the picture; the browser is a real process like the workers here."""
    svg = broker.tmp / "routing.svg"
    written = broker.cli("graph", "-o", str(svg))
    assert written.returncode == 0, written.stderr
    chromium = shutil.which("chromium")
    assert chromium is not None, "Debian's chromium is needed: scripts/test installs it (apt-get install chromium)"
    browser = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={broker.tmp / 'chromium-profile'}",
            "--dump-dom",
            svg.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert browser.returncode == 0, browser.stderr[-2000:]
    dom = browser.stdout
    assert "<svg" in dom and "parsererror" not in dom
    for name in ("tasks.taskA", "tasks.taskB", "tasks.add", "for_task_A", "for_task_B", "default"):
        assert f">{name}</text>" in dom, name


def test_workers_and_inspect_say_the_management_api_has_not_listed_a_consumer_that_just_joined(
    broker: Broker, seed: Path
) -> None:
    topology = load_topology(seed)
    session = VhostSession(broker.settings, traffic=True)
    assert session.traffic().consumers == ()  # the management API's answer, read before any worker runs
    broker.worker("for_task_A", seed, name="late")  # returned once AMQP counts its consumer: newer than that answer
    report = workers_report(topology, session)
    [lag] = [f for f in report.findings if f.code == Code.CONSUMER_LIST_LAGS]
    assert lag.ref.name == "for_task_A"
    assert "has 1 consumer by AMQP, but the management API lists 0" in lag.message and "missing some" in lag.message
    assert findings_exit_code(report.findings, require_consumers=True) == 0
    inspected = inspect_topology(topology, session)
    assert [f.ref.name for f in inspected.findings if f.code == Code.CONSUMER_LIST_LAGS] == ["for_task_A"]
    assert not [f for f in inspected.findings if f.code == "no_consumer" and f.ref.name == "for_task_A"]


def test_workers_says_the_management_api_still_lists_a_worker_that_left(broker: Broker, seed: Path) -> None:
    topology = load_topology(seed)
    worker = broker.worker("for_task_B", seed, name="leaving")

    sessions: list[VhostSession] = []

    def listed() -> bool:
        sessions.append(VhostSession(broker.settings, traffic=True))
        return [c.queue for c in sessions[-1].traffic().consumers] == ["for_task_B"]

    wait_until(listed, "the management API to list the worker")
    worker.terminate()
    worker.wait(timeout=30)
    wait_until(lambda: not broker.consumed("for_task_B"), "AMQP to count the worker gone")
    report = workers_report(topology, sessions[-1])  # its traffic read while the worker still consumed
    [lag] = [f for f in report.findings if f.code == Code.CONSUMER_LIST_LAGS]
    assert lag.ref.name == "for_task_B" and "has 0 consumers by AMQP, but the management API lists 1" in lag.message
    assert "stale" in lag.message
    shown = broker.cli("workers", "--format", "json", file=seed)
    assert shown.returncode == 0 and envelope(shown.stdout)["ok"]  # lagging or caught up by now: nothing fails

"""inspect, plan, apply and doctor on a real 3-node cluster, nodes killed (-9) under real workers.

Each kill is followed by `scripts/cluster start` (in the fixture too), which brings the node back.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import WITHOUT_NETS
from tests.live.cluster.conftest import ClusterVhost
from tests.live.conftest import wait_until
from topology.broker.management import segment

QUORUM_FILE = (
    WITHOUT_NETS
    + """
exchanges:
  jobs: {type: direct}
queues:
  work: {type: quorum, bindings: [{exchange: jobs, routing_key: work}]}
  spare: {type: quorum, leader_locator: client-local}
default_queue: work
"""
)
CLASSIC_FILE = (
    WITHOUT_NETS
    + """
exchanges:
  jobs: {type: direct}
queues:
  local: {bindings: [{exchange: jobs, routing_key: local}]}
  work: {type: quorum}
default_queue: work
"""
)
TASKS = 40
RETURNED_FROM_A_LOST_CONSUMER = 150
"""Seconds a task may take to complete after its node's loss. RabbitMQ 4.3 returns a quorum queue's message
checked out to a consumer on a lost node only after `consumer_disconnected_timeout` (60 s by default), as a
network partition could end; 3.10 returns it at once."""
pytestmark = [
    pytest.mark.cluster,
    pytest.mark.timeout(600),
]  # the first test waits for the cluster to boot and join, kills wait for a node


def findings(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    by_code: dict[str, list[dict[str, Any]]] = {}
    for finding in report["findings"]:
        by_code.setdefault(finding["code"], []).append(finding)
    return by_code


def rows(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in report["data"]["queues"]}


def test_leader_loss_loses_nothing_and_inspect_names_the_new_leader_the_member_down_and_no_ghost(
    on_cluster: ClusterVhost,
) -> None:
    """apply through node 3: every quorum leader lands there (inspect warns); the worker on the failover list
    3, 2; node 3 killed mid-flow: every task completes, inspect (through node 1) names the new leader, the
    member down and the node down, counts one live consumer, and doctor says the cluster is not healthy."""
    file = on_cluster.write(QUORUM_FILE)
    assert on_cluster.cli(3, "apply", file=file).returncode == 0
    before = on_cluster.json(1, "inspect", file=file)
    assert {row["leader"] for row in rows(before).values()} == {on_cluster.cluster.node(3)}
    assert "rabbitmq-queues rebalance quorum" in findings(before)["leaders_on_one_node"][0]["fix"]
    on_cluster.worker("work", file, 3, 2)
    wait_until(lambda: rows(on_cluster.json(1, "inspect", file=file))["work"]["consumers"] == 1, "the worker")
    client = on_cluster.client(file, 1)
    try:
        sent = [client.send_task("tasks.add", (i, i)) for i in range(TASKS // 2)]
        on_cluster.cluster.kill(3)
        sent += [client.send_task("tasks.add", (i, i)) for i in range(TASKS // 2, TASKS)]
        assert [result.get(timeout=RETURNED_FROM_A_LOST_CONSUMER) for result in sent] == [2 * i for i in range(TASKS)]
    finally:
        client.close()
    # RabbitMQ still counts the consumer whose channel died with node 3 (2 where one worker runs); the
    # management API lists the worker's new one once its statistics are out (a few seconds): 1 then.
    wait_until(lambda: rows(on_cluster.json(1, "inspect", file=file))["work"]["consumers"] == 1, "one live consumer")
    after = on_cluster.json(1, "inspect", file=file)
    work = rows(after)["work"]
    assert work["leader"] in (on_cluster.cluster.node(1), on_cluster.cluster.node(2))
    assert on_cluster.cluster.node(3) not in work["online"] and len(work["members"]) == 3
    found = findings(after)
    if on_cluster.counted_consumers(1, "work") > 1:  # the ghost is there: inspect said so
        assert [f["name"] for f in found["ghost_consumers"]] == ["work"]
    assert {f["name"] for f in found["quorum_member_down"]} == {"work", "spare"}
    assert [f["name"] for f in found["node_down"]] == [on_cluster.cluster.node(3)]
    assert "missing_queue" not in found and after["exit_code"] == 0  # warnings only: nothing is missing
    doctor = on_cluster.json(1, "doctor", file=file)
    assert doctor["exit_code"] == 1
    assert {n["name"]: n["running"] for n in doctor["data"]["nodes"]}[on_cluster.cluster.node(3)] is False
    assert f"{on_cluster.vhost}/work" in doctor["data"]["quorum_critical"]
    on_cluster.cluster.start()
    wait_until(lambda: on_cluster.cli(1, "doctor", file=file).returncode == 0, "doctor healthy again")


def test_a_classic_queue_on_a_down_node_is_diagnosed_and_never_declared_again(on_cluster: ClusterVhost) -> None:
    """Applied through node 2, the classic queue lives there; node 2 killed: through node 1, inspect says
    its node is down (not "missing"), plan proposes to create nothing, apply sends nothing for it."""
    file = on_cluster.write(CLASSIC_FILE)
    assert on_cluster.cli(2, "apply", file=file).returncode == 0
    planned = on_cluster.json(1, "plan", file=file)
    assert planned["exit_code"] == 0 and [f["code"] for f in planned["findings"]] == ["classic_not_replicated"]
    on_cluster.cluster.kill(2)
    inspected = on_cluster.json(1, "inspect", file=file)
    found = findings(inspected)
    assert [f["name"] for f in found["queue_node_down"]] == ["local"]
    assert "missing_queue" not in found and "missing_binding" not in found and inspected["exit_code"] == 1
    assert rows(inspected)["local"]["node"] == on_cluster.cluster.node(2)
    planned = on_cluster.json(1, "plan", file=file)
    actions = {(c["kind"], c["name"] or c["destination"]): c["action"] for c in planned["changes"]}
    assert "create" not in actions.values() and planned["exit_code"] == 1
    assert actions[("queue", "local")] == "unavailable"
    # 3.10 lists no binding of a queue on a down node (unavailable), 4.3 still lists it (unchanged: not shown)
    assert actions.get(("binding", "local"), "unavailable") == "unavailable"
    applied = on_cluster.json(1, "apply", file=file)
    assert applied["exit_code"] == 1 and "created" not in applied["summary"]
    assert applied["summary"]["unavailable"] == list(actions.values()).count("unavailable")  # what plan said
    on_cluster.cluster.start()
    wait_until(lambda: on_cluster.cli(1, "inspect", file=file).returncode == 0, "the queue back with its node")


def test_the_aliveness_test_queue_is_not_drift_and_the_leader_locator_reaches_the_broker(
    on_cluster: ClusterVhost,
) -> None:
    """GET /api/aliveness-test/<vhost>, which monitoring calls, declares a queue on 3.10 (not on 4.3)."""
    file = on_cluster.write(QUORUM_FILE.replace("leader_locator: client-local", "leader_locator: balanced"))
    assert on_cluster.cli(1, "apply", file=file).returncode == 0
    management = on_cluster.cluster.management(1)
    assert management.get(f"/aliveness-test/{segment(on_cluster.vhost)}") == {"status": "ok"}
    made = "aliveness-test" in {q["name"] for q in management.get(f"/queues/{segment(on_cluster.vhost)}")}
    assert made or management.overview()["rabbitmq_version"].startswith("4.")  # 4.x checks without a queue
    inspected = on_cluster.json(1, "inspect", file=file)
    assert "extra_queue" not in findings(inspected) and inspected["exit_code"] == 0
    spare = management.queue(on_cluster.vhost, "spare")
    assert spare["arguments"]["x-queue-leader-locator"] == "balanced"

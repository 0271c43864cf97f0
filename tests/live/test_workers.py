"""Real `celery worker` and `celery beat` processes on a vhost of their own, configured from routing.yaml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from celery import Celery

from tests.conftest import OWNED, ROOT, SEED
from tests.live.conftest import Broker, wait_until


def test_for_task_b_worker_runs_task_b_and_never_receives_task_a(broker: Broker, seed: Path, client: Celery) -> None:
    broker.worker("for_task_B", seed)
    a = client.send_task("tasks.taskA", (10, 20))
    b = client.send_task("tasks.taskB", (10, 20, 30))
    assert b.get(timeout=30) == 60
    assert broker.ready("for_task_A") == 1  # taskA waits for its own worker
    assert a.status == "PENDING"
    log = (broker.tmp / "celery-0.log").read_text()
    assert f"tasks.taskB[{b.id}] received" in log and "tasks.taskA[" not in log
    broker.worker("for_task_A", seed)
    assert a.get(timeout=30) == 200  # and rpc:// brings it back once a worker takes it


def test_unrouted_add_lands_in_default(broker: Broker, seed: Path, client: Celery) -> None:
    result = client.send_task("tasks.add", (100, 200))
    wait_until(lambda: broker.ready("default") == 1, "tasks.add in queue 'default'")
    assert broker.ready("for_task_A") == broker.ready("for_task_B") == 0
    broker.worker("default", seed)
    assert result.get(timeout=30) == 300


def test_deleted_binding_loses_the_task_as_inspect_warned(broker: Broker, seed: Path, client: Celery) -> None:
    """Why the tool exists: with the binding gone, RabbitMQ drops taskA and nothing else says so."""
    with broker.connection() as connection:
        connection.channel().queue_unbind("for_task_A", "for_task_A", "for_task_A", OWNED)
    assert broker.cli("inspect", file=seed).returncode == 1
    client.send_task("tasks.taskA", (1, 2))
    client.send_task("tasks.add", (1, 2))
    wait_until(lambda: broker.ready("default") == 1, "tasks.add in queue 'default'")
    assert broker.ready("for_task_A") == 0


def test_beat_sends_the_schedule_from_routing_yaml(broker: Broker) -> None:
    fast = broker.write(
        SEED.replace("every: 10,  args: [1, 2]}", "every: 1, args: [1, 2]}")
        .replace("every: 20,", "every: 3600,")
        .replace("every: 200,", "every: 3600,")
        + "  to_b_queue:     {task: tasks.add,   every: 1, args: [3, 4], queue: for_task_B}\n"
    )
    assert broker.cli("apply", file=fast).returncode == 0
    broker.start("beat", "-l", "info", "-s", str(broker.tmp / "beat-schedule"), file=fast)
    wait_until(lambda: broker.ready("default") >= 2, "two tasks.add sent by beat to 'default'")
    wait_until(lambda: broker.ready("for_task_B") >= 1, "the entry with queue: for_task_B in that queue")


def test_seed_client_code_runs_unchanged_against_three_workers(broker: Broker, seed: Path) -> None:
    for queue in ("for_task_A", "for_task_B", "default"):
        broker.worker(queue, seed)
    result = subprocess.run(
        [sys.executable, "scripts/seed_client.py"],
        cwd=ROOT,
        env=broker.env(seed),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for line in ("tasks.taskA(10, 20)", "result 200", "tasks.taskB(10, 20, 30)", "result 60", "result 300"):
        assert line in result.stdout
    assert result.stdout.count("status SUCCESS") == 3
    inspected = broker.cli("inspect", "--require-consumers", file=seed)
    assert inspected.returncode == 0, inspected.stdout


def test_remote_control_reaches_the_worker_through_its_node_queue_of_this_connection(
    broker: Broker, seed: Path, client: Celery
) -> None:
    """The worker's pidbox queue is named per connection (celery_adapter/control.py): broadcasts still reach
    it, the client's replies come back, and inspect takes it for Celery's own, not for drift."""
    broker.worker("for_task_A", seed, name="ctl")
    node = f"ctl-{broker.vhost}@"
    answered = client.control.inspect(timeout=5).active_queues() or {}
    [(name, queues)] = [(name, queues) for name, queues in answered.items() if name.startswith(node)]
    assert [q["name"] for q in queues] == ["for_task_A"]
    assert client.control.ping(destination=[name], timeout=5) == [{name: {"ok": "pong"}}]
    listed = [q["name"] for q in broker.management().get(f"/queues/{quote(broker.vhost, safe='')}")]
    [pidbox] = [q for q in listed if q.startswith(node) and q.endswith(".celery.pidbox")]
    assert pidbox != f"{name}.celery.pidbox"  # the token between the node and Celery's suffix
    assert broker.cli("inspect", file=seed).returncode == 0

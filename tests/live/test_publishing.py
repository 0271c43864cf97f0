"""Confirmed publishing against real RabbitMQ nodes: a confirmed task is on the broker when apply_async
returns, and a broker that is down, or killed (-9) under a publishing client, is an error at the caller,
never a hang and never a task lost that apply_async said was sent.

The faults hit private nodes of this test's own (scripts/rabbitmq-node, the host's RabbitMQ, ports
5802-5803), started and deleted by the `node` fixture; the machine's own broker is never touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pika
import pytest
from celery import Celery

from tests.conftest import ROOT, SEED
from tests.live.conftest import Broker, wait_until
from topology.celery_adapter.config import configure
from topology.celery_adapter.publishing import PublishNotConfirmed
from topology.language.loader import load_topology

NODE_SCRIPT = ROOT / "scripts" / "rabbitmq-node"
FAST = SEED + "publish: {confirm_timeout: 2s}\n"
"""The seed with a short confirm timeout, so that each refused publish is quick to wait for."""
REDIS_PORT = 5809


@dataclass
class Node:
    """A private RabbitMQ node (the host's version) on its own ports, with the seed applied to '/'."""

    name: str
    port: int

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(NODE_SCRIPT), *args], capture_output=True, text=True, timeout=180, check=False, cwd=ROOT
        )

    def start(self) -> None:
        started = self.run("start", self.name, "--version", "host", "--port", str(self.port))
        assert started.returncode == 0, started.stderr

    def stop(self) -> None:
        self.run("stop", self.name)

    def kill(self) -> None:
        """kill -9 of the node's Erlang VM: a crash, no clean shutdown."""
        pid = self.run("pid", self.name)
        assert pid.returncode == 0, pid.stderr
        os.kill(int(pid.stdout.split()[0]), signal.SIGKILL)
        wait_until(lambda: self.run("status", self.name).returncode != 0, f"node {self.name} gone after kill -9")

    def apply(self, file: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "TOPOLOGY_", "RABBITMQ_"))}
        env |= {
            "CELERY_BROKER_URL": self.url,
            "RABBITMQ_MANAGEMENT_URL": f"http://guest:guest@127.0.0.1:{self.port + 10000}",
            "TOPOLOGY_CACHE_DIR": str(file.parent / "cache"),
        }
        applied = subprocess.run(
            [sys.executable, "-m", "topology", "apply", "-f", str(file)], cwd=ROOT, env=env, capture_output=True,
            text=True, timeout=120,
        )  # fmt: skip
        assert applied.returncode == 0, applied.stdout + applied.stderr

    def task_ids(self, queue: str) -> list[str]:
        """The ids of the tasks waiting in `queue`, read without consuming them (none is acked)."""
        parameters = pika.ConnectionParameters("127.0.0.1", self.port, "/", pika.PlainCredentials("guest", "guest"))
        ids: list[str] = []
        with pika.BlockingConnection(parameters) as connection:
            channel = connection.channel()
            while True:
                method, properties, _ = channel.basic_get(queue, auto_ack=False)
                if method is None:
                    return ids
                ids.append(properties.headers["id"])


def _node(name: str, port: int, tmp_path: Path) -> Iterator[Node]:
    node = Node(name, port)
    node.start()
    try:
        node.apply(_fast_seed(tmp_path))
        yield node
    finally:
        node.stop()
        node.run("delete", name)


def _fast_seed(tmp_path: Path) -> Path:
    path = tmp_path / "routing.yaml"
    path.write_text(FAST)
    return path


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    yield from _node("conf2", 5802, tmp_path)


@pytest.fixture
def crash_node(tmp_path: Path) -> Iterator[Node]:
    yield from _node("conf3", 5803, tmp_path)


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A private redis-server for the result backend (stopped by its PID afterwards)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is needed for the redis:// backend case: apt-get install redis-server")
    process = subprocess.Popen(
        [server, "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    import redis

    wait_until(lambda: _answers(redis.Redis(port=REDIS_PORT)), "redis-server answering", process)  # type: ignore[arg-type]
    try:
        yield f"redis://127.0.0.1:{REDIS_PORT}/0"
    finally:
        process.terminate()
        process.wait(timeout=15)


def _answers(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


def _client(url: str, file: Path, backend: str) -> Celery:
    app = configure(Celery("publisher", set_as_current=False), load_topology(file), broker_url=url)
    app.conf.result_backend = backend
    return app


def _raised_by(call: Callable[[], object]) -> BaseException | None:
    """What `call` raises, run beside the test so that a publish that never returns fails the test."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as error:  # handed to the test to assert on
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=120)
    assert outcome, "apply_async still blocked while the broker is down"
    return outcome[0]


def test_a_confirmed_task_is_in_its_queue_when_apply_async_returns_and_a_worker_runs_it(
    broker: Broker, seed: Path, client: Celery
) -> None:
    result = client.send_task("tasks.add", (2, 3))
    assert broker.ready("default") == 1  # confirmed: on the broker already, no waiting for it
    broker.worker("default", seed)
    assert result.get(timeout=30) == 5


@pytest.mark.private_node
@pytest.mark.parametrize("backend", ["rpc://", "disabled://", "redis"])
def test_with_the_broker_stopped_apply_async_raises_naming_the_task(
    node: Node, tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    if backend == "redis":
        backend = request.getfixturevalue("redis_url")
    app = _client(node.url, _fast_seed(tmp_path), backend)
    app.send_task("tasks.add", (1, 1))  # a pooled connection, which the stop then breaks
    assert node.task_ids("default") != []
    node.stop()
    error = _raised_by(lambda: app.send_task("tasks.add", (1, 2)))
    assert isinstance(error, PublishNotConfirmed), repr(error)
    assert error.task == "tasks.add" and error.task_id and "guest:guest" not in str(error)
    error = _raised_by(lambda: app.send_task("tasks.taskA", (1, 2)))  # and again: the pool holds no stale state
    assert isinstance(error, PublishNotConfirmed) and error.task == "tasks.taskA"
    app.close()


@pytest.mark.private_node
def test_a_broker_killed_while_a_client_publishes_loses_no_task_apply_async_returned(
    crash_node: Node, tmp_path: Path
) -> None:
    """Durable tasks on a classic durable queue: each one apply_async returned for is there after restart."""
    app = _client(crash_node.url, _fast_seed(tmp_path), "disabled://")
    returned: list[str] = []
    raised: list[PublishNotConfirmed] = []
    stop = threading.Event()

    def publish() -> None:
        while not stop.is_set():
            try:
                returned.append(app.send_task("tasks.add", (len(returned), 1)).id)
            except PublishNotConfirmed as error:
                raised.append(error)

    publisher = threading.Thread(target=publish, daemon=True)
    publisher.start()
    wait_until(lambda: len(returned) >= 200, "200 confirmed publishes before the kill")
    crash_node.kill()
    wait_until(lambda: len(raised) >= 2, "publishes raising while the node is down")
    stop.set()
    publisher.join(timeout=60)
    assert not publisher.is_alive()
    crash_node.start()
    kept = set(crash_node.task_ids("default"))
    lost = [task_id for task_id in returned if task_id not in kept]
    assert lost == [], f"{len(lost)} of {len(returned)} confirmed tasks lost ({len(raised)} raised)"
    assert all(e.task == "tasks.add" for e in raised)
    app.close()

"""A 3-node RabbitMQ cluster on loopback for the cluster tests, started once a session with scripts/cluster
and deleted at the end; each test gets a vhost of its own on it.

The cluster's node names and ports come from $TOPOLOGY_CLUSTER_PREFIX and $TOPOLOGY_CLUSTER_PORT_BASE, as
for scripts/cluster (their defaults there), and its version from $TEST_CLUSTER_VERSION (default host).
scripts/cluster needs root. Every test here is marked `cluster`: `pytest --cluster` runs them (left out
otherwise, see tests/conftest.py), `pytest --cluster -m cluster` alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pika
import pytest
from celery import Celery

from tests.conftest import ROOT, envelope
from tests.live.conftest import stop_processes, wait_until
from topology.broker.management import ManagementClient
from topology.broker.settings import resolve_settings
from topology.celery_adapter.config import configure
from topology.language.loader import load_topology

SCRIPT = ROOT / "scripts" / "cluster"
PREFIX = os.environ.get("TOPOLOGY_CLUSTER_PREFIX", "topo")
PORT_BASE = int(os.environ.get("TOPOLOGY_CLUSTER_PORT_BASE", "5700"))
VERSION = os.environ.get("TEST_CLUSTER_VERSION", "host")
NODES = (1, 2, 3)


@dataclass(frozen=True)
class Cluster:
    """The three nodes: node N answers AMQP on PORT_BASE+N and its management API 10000 above."""

    def node(self, n: int) -> str:
        return f"{PREFIX}{n}@localhost"

    def amqp(self, n: int, vhost: str) -> str:
        return f"amqp://guest:guest@127.0.0.1:{PORT_BASE + n}/{vhost}"

    def api(self, n: int) -> str:
        return f"http://guest:guest@127.0.0.1:{PORT_BASE + 10000 + n}"

    def management(self, n: int) -> ManagementClient:
        return ManagementClient(resolve_settings(self.amqp(n, "x"), self.api(n)).management)

    def script(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "TOPOLOGY_CLUSTER_PREFIX": PREFIX, "TOPOLOGY_CLUSTER_PORT_BASE": str(PORT_BASE)}
        return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=600)

    def kill(self, n: int) -> None:
        done = self.script("kill", str(n))
        assert done.returncode == 0, done.stderr

    def start(self) -> None:
        """Every node running and clustered again (a killed node boots and rejoins)."""
        done = self.script("start", "--version", VERSION)
        assert done.returncode == 0, f"scripts/cluster start failed: {done.stdout}{done.stderr}"
        wait_until(lambda: self.script("status").returncode == 0, "all three nodes running")


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if os.geteuid() != 0:
        message = "the cluster tests start RabbitMQ nodes with scripts/cluster, which needs root: run them as root"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    nodes = Cluster()
    nodes.start()
    try:
        yield nodes
    finally:
        nodes.script("delete")


@dataclass
class ClusterVhost:
    """A vhost of its own on the cluster, with the CLI, workers and clients pointed at one node or a list."""

    cluster: Cluster
    vhost: str
    tmp: Path
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    def urls(self, *nodes: int) -> str:
        """Celery's failover list of the nodes, in order."""
        return ";".join(self.cluster.amqp(n, self.vhost) for n in nodes)

    def write(self, text: str) -> Path:
        path = self.tmp / "routing.yaml"
        path.write_text(text)
        return path

    def env(self, file: Path, broker: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "TOPOLOGY_", "RABBITMQ_"))}
        cache = str(self.tmp / "cache")
        return {
            **env,
            "CELERY_BROKER_URL": broker,
            "PYTHONPATH": str(ROOT),
            "TOPOLOGY_CACHE_DIR": cache,
            "TOPOLOGY_FILE": str(file),
        }

    def cli(self, node: int, *args: str, file: Path) -> subprocess.CompletedProcess[str]:
        """The CLI on node `node` alone (its AMQP port and its management API)."""
        env = self.env(file, self.cluster.amqp(node, self.vhost)) | {"RABBITMQ_MANAGEMENT_URL": self.cluster.api(node)}
        command = [sys.executable, "-m", "topology", *args]
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        if "json" in args:
            envelope(result.stdout)
        return result

    def json(self, node: int, *args: str, file: Path) -> dict[str, Any]:
        result = self.cli(node, *args, "--format", "json", file=file)
        return dict(json.loads(result.stdout))

    def worker(self, queue: str, file: Path, *nodes: int) -> subprocess.Popen[str]:
        """A real `celery -A tasks worker` on the failover list of `nodes`; stopped (by PID) at the end."""
        log = (self.tmp / f"worker-{len(self.processes)}.log").open("w")
        name = f"w{len(self.processes)}-{self.vhost}@%h"
        command = [sys.executable, "-m", "celery", "-A", "tasks", "worker", "-P", "solo", "-n", name, "-Q", queue]
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env(file, self.urls(*nodes)), stdout=log, stderr=subprocess.STDOUT, text=True
        )
        self.processes.append(process)
        return process

    def client(self, file: Path, *nodes: int) -> Celery:
        return configure(Celery("client", set_as_current=False), load_topology(file), broker_url=self.urls(*nodes))

    def counted_consumers(self, node: int, queue: str) -> int:
        """The consumers RabbitMQ counts for `queue` (its passive declare through `node`), ghosts included."""
        credentials = pika.PlainCredentials("guest", "guest")
        parameters = pika.ConnectionParameters("127.0.0.1", PORT_BASE + node, self.vhost, credentials)
        with pika.BlockingConnection(parameters) as connection:
            return int(connection.channel().queue_declare(queue, passive=True).method.consumer_count)

    def stop(self) -> None:
        stop_processes(self.processes)


@pytest.fixture
def on_cluster(cluster: Cluster, tmp_path: Path) -> Iterator[ClusterVhost]:
    vhost = f"topology-cluster-{uuid.uuid4().hex[:12]}"
    cluster.management(1).create_vhost(vhost)
    state = ClusterVhost(cluster, vhost, tmp_path)
    try:
        yield state
    finally:
        state.stop()
        cluster.start()  # a test that killed a node has it back: the vhost is deleted where it lives
        cluster.management(1).delete_vhost(vhost)

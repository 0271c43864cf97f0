"""Celery's failover list on a real 3-node cluster (`scripts/cluster`): plan, apply, inspect and doctor through
the list, the next node used once the first is killed, a worker that keeps consuming, and a management API of
another broker refused.

The cluster is `scripts/cluster`'s, named and placed by $TOPOLOGY_CLUSTER_PREFIX / $TOPOLOGY_CLUSTER_PORT_BASE
(the script's own variables), started for the session and deleted after it. The other broker is a single
private node, $TEST_FOREIGN_NODE (NAME:AMQP_PORT, default topology-foreign:5879), started and deleted the same way.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pika
import pytest
from celery import Celery

from tests.conftest import ROOT, WITHOUT_NETS, envelope
from tests.live.conftest import Broker, wait_until
from topology.broker.management import ManagementClient
from topology.broker.settings import Settings, resolve_settings
from topology.celery_adapter.config import configure
from topology.errors import BrokerUnavailable
from topology.language.loader import load_topology

PREFIX = os.environ.get("TOPOLOGY_CLUSTER_PREFIX", "topo")
PORT_BASE = int(os.environ.get("TOPOLOGY_CLUSTER_PORT_BASE", "5700"))
FOREIGN_NAME, _, FOREIGN_PORT = os.environ.get("TEST_FOREIGN_NODE", "topology-foreign:5879").partition(":")
SECRET = "guest"  # the cluster's password: it must not show, though "guest" is also the user's name
NODES = [f"amqp://guest:guest@127.0.0.1:{PORT_BASE + i}" for i in (1, 2, 3)]
APIS = [f"http://guest:guest@127.0.0.1:{PORT_BASE + 10000 + i}" for i in (1, 2, 3)]

QUORUM = f"""
exchanges:
  jobs: {{type: direct}}
queues:
  work: {{type: quorum, bindings: [{{exchange: jobs, routing_key: work}}]}}
routes:
  tasks.add: work
default_queue: work
{WITHOUT_NETS}"""


def script(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TOPOLOGY_CLUSTER_PREFIX=PREFIX, TOPOLOGY_CLUSTER_PORT_BASE=str(PORT_BASE))
    return subprocess.run(
        [str(ROOT / "scripts" / args[0]), *args[1:]], env=env, capture_output=True, text=True, timeout=timeout
    )


def started(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        message = f"{what} did not start (run as root, with rabbitmq-server installed): {result.stderr[-500:]}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


pytestmark = [
    pytest.mark.private_node,
    pytest.mark.timeout(900),
]  # the cluster boots and joins in about half a minute, more on a busy machine


@pytest.fixture(scope="session")
def cluster() -> Iterator[None]:
    try:
        started(script("cluster", "start"), f"the 3-node cluster {PREFIX}1-3")
        yield
    finally:
        script("cluster", "delete")


@pytest.fixture(scope="session")
def foreign_api() -> Iterator[str]:
    """The management API of a broker that is not the cluster: another cluster name."""
    try:
        started(
            script("rabbitmq-node", "start", FOREIGN_NAME, "--version", "host", "--port", FOREIGN_PORT), FOREIGN_NAME
        )
        yield f"http://guest:guest@127.0.0.1:{int(FOREIGN_PORT) + 10000}"
    finally:
        script("rabbitmq-node", "stop", FOREIGN_NAME)
        script("rabbitmq-node", "delete", FOREIGN_NAME)


def answering_api() -> ManagementClient:
    """The API of the first node that runs (a test may have killed the first)."""
    for api in resolve_settings(NODES[0], ";".join(APIS)).apis:
        client = ManagementClient(api)
        try:
            client.cluster()
        except BrokerUnavailable:
            continue
        return client
    raise AssertionError("no node of the cluster answers")


@dataclass
class ClusterBroker(Broker):
    """A vhost of the cluster, every process given the whole failover list."""

    broker_list: str = ""
    api_list: str | None = None

    @property
    def url(self) -> str:
        return self.broker_list

    def env(self, topology_file: Path | None = None, **extra: str) -> dict[str, str]:
        env = super().env(topology_file)
        env.pop("RABBITMQ_MANAGEMENT_URL", None)
        if self.api_list is not None:
            env["RABBITMQ_MANAGEMENT_URL"] = self.api_list
        env.update(extra)
        return env

    def connection(self) -> pika.BlockingConnection:
        """pika tries each node of the list in order, as the CLI does."""
        credentials = pika.PlainCredentials("guest", "guest")
        nodes = [pika.ConnectionParameters("127.0.0.1", PORT_BASE + i, self.vhost, credentials) for i in (1, 2, 3)]
        return pika.BlockingConnection(nodes)


@pytest.fixture
def on_cluster(cluster: None, tmp_path: Path) -> Iterator[ClusterBroker]:
    vhost = f"topology-failover-{uuid.uuid4().hex[:10]}"
    answering_api().create_vhost(vhost)
    nodes = ";".join(f"{node}/{vhost}" for node in NODES)
    settings: Settings = resolve_settings(nodes, ";".join(APIS))
    state = ClusterBroker(vhost, settings, tmp_path, broker_list=nodes, api_list=";".join(APIS))
    try:
        yield state
    finally:
        state.stop()
        answering_api().delete_vhost(vhost)


def no_password(result: subprocess.CompletedProcess[str]) -> bool:
    """No 'guest:guest@' (user:password) in anything printed: every URL shows its password as ***."""
    return "guest:guest" not in result.stdout + result.stderr


def test_plan_apply_inspect_and_doctor_work_through_the_list(on_cluster: ClusterBroker) -> None:
    path = on_cluster.write(QUORUM)
    plan = on_cluster.cli("plan", "--format", "json", file=path)
    assert plan.returncode == 1 and envelope(plan.stdout)["summary"]["create"] >= 3, plan.stderr
    assert on_cluster.cli("apply", file=path).returncode == 0
    assert on_cluster.state().queues["work"].type == "quorum"
    assert on_cluster.cli("plan", file=path).returncode == 0
    inspect = on_cluster.cli("inspect", file=path)
    assert inspect.returncode == 0, inspect.stdout + inspect.stderr
    doctor = on_cluster.cli("doctor", "--format", "json", file=path)
    data = envelope(doctor.stdout)
    assert doctor.returncode == 0 and data["broker"].endswith(f":{PORT_BASE + 1}/{on_cluster.vhost}")
    assert len(data["data"]["broker_list"]) == 3 and data["data"]["passed_over"] == []
    assert all(no_password(r) for r in (plan, inspect, doctor))


def test_with_the_first_node_killed_the_commands_and_a_worker_use_the_next(on_cluster: ClusterBroker) -> None:
    path = on_cluster.write(QUORUM)
    assert on_cluster.cli("apply", file=path).returncode == 0
    worker = on_cluster.worker("work", path)
    before, after = (
        configure(Celery(name, set_as_current=False), load_topology(path), broker_url=on_cluster.url)
        for name in ("before", "after")
    )
    try:
        assert before.send_task("tasks.add", (2, 3)).get(timeout=60) == 5
        assert script("cluster", "kill", "1").returncode == 0
        doctor = on_cluster.cli("doctor", file=path)
        assert doctor.returncode == 1, doctor.stderr  # it answers through node 2, and says the cluster lacks node 1
        assert f"{PREFIX}1@localhost" in doctor.stdout
        assert f"connected to amqp://guest:***@127.0.0.1:{PORT_BASE + 2}/" in doctor.stdout
        assert "node 2 of the 3 in the broker URL list" in doctor.stdout
        assert (
            f"passed over: cannot connect to RabbitMQ at amqp://guest:***@127.0.0.1:{PORT_BASE + 1}/" in doctor.stdout
        )
        plan = on_cluster.cli("plan", file=path)
        assert plan.returncode == 0 and f"127.0.0.1:{PORT_BASE + 2}" in plan.stdout, plan.stdout + plan.stderr
        assert on_cluster.cli("apply", file=path).returncode == 0
        inspect = on_cluster.cli("inspect", "--format", "json", file=path)
        assert inspect.returncode in (0, 1) and envelope(inspect.stdout)["broker"].endswith(
            f":{PORT_BASE + 2}/" + on_cluster.vhost
        )
        assert all(no_password(r) for r in (doctor, plan, inspect))
        # The worker was on node 1: it is on another now, and consumes. The result comes back to a client
        # made after the kill: rpc://'s reply queue is a classic queue of the node its client was on.
        assert after.send_task("tasks.add", (20, 22)).get(timeout=90) == 42
        assert worker.poll() is None
    finally:
        before.close()
        after.close()
        on_cluster.stop()
        script("cluster", "start")  # node 1 back, for the tests after this one
    wait_until(lambda: script("cluster", "status").returncode == 0, "the three nodes running again")


def test_a_management_api_of_another_broker_is_refused(on_cluster: ClusterBroker, foreign_api: str) -> None:
    path = on_cluster.write(QUORUM)
    for command in ("plan", "apply", "inspect", "doctor"):
        result = on_cluster.cli(command, file=path, RABBITMQ_MANAGEMENT_URL=foreign_api)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1, result.stdout + result.stderr
        assert f"belongs to cluster '{FOREIGN_NAME}@" in lines[0] and f"to '{PREFIX}1@" in lines[0]
        assert "--management-url" in lines[0] and no_password(result)
    assert "work" not in on_cluster.state().queues  # nothing was sent


def test_a_management_list_skips_the_api_of_another_broker(on_cluster: ClusterBroker, foreign_api: str) -> None:
    path = on_cluster.write(QUORUM)
    apis = f"{foreign_api};{APIS[1]}"
    doctor = on_cluster.cli("doctor", "--format", "json", file=path, RABBITMQ_MANAGEMENT_URL=apis)
    assert doctor.returncode == 0, doctor.stderr
    assert envelope(doctor.stdout)["data"]["management"] == f"http://guest:***@127.0.0.1:{PORT_BASE + 10002}"


def test_without_a_management_url_the_default_api_of_another_broker_is_refused(on_cluster: ClusterBroker) -> None:
    """No management URL: the API is guessed at port 15672 of the node's host, where this machine's own
    broker answers, a cluster of its own."""
    on_cluster.api_list = None
    host = ManagementClient(resolve_settings(NODES[0]).management)
    try:
        theirs = host.cluster().name
    except BrokerUnavailable as error:
        message = f"the machine's own management API does not answer ({error}); scripts/ensure-rabbitmq enables it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    result = on_cluster.cli("plan", file=on_cluster.write(QUORUM))
    assert result.returncode == 2, result.stdout + result.stderr
    message = result.stderr.strip()
    assert f"belongs to cluster {theirs!r}" in message and "no management URL was given" in message


def test_a_list_none_of_whose_nodes_answers_is_one_line_naming_each(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(QUORUM)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "RABBITMQ_"))}
    nodes = "amqp://u:S3cr3tPw@127.0.0.1:1//;amqp://u:S3cr3tPw@127.0.0.1:2//"
    for command in ("plan", "apply", "inspect", "doctor"):
        result = subprocess.run(
            [sys.executable, "-m", "topology", command, "-f", str(path), "--broker", nodes],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 3 and len(lines) == 1, result.stderr
        assert "none of the 2 nodes of the broker URL list answered" in lines[0]
        assert "127.0.0.1:1//" in lines[0] and "127.0.0.1:2//" in lines[0] and "S3cr" not in lines[0]


def test_a_refused_login_on_a_list_is_the_refusal_not_the_next_node(on_cluster: ClusterBroker) -> None:
    wrong = on_cluster.broker_list.replace("guest:guest@", "guest:Wr0ngPw@")
    result = on_cluster.cli("plan", file=on_cluster.write(QUORUM), CELERY_BROKER_URL=wrong)
    assert result.returncode == 3, result.stderr
    assert "refused user 'guest': wrong user or password" in result.stderr and f":{PORT_BASE + 1}/" in result.stderr
    assert "Wr0n" not in result.stdout + result.stderr

"""The fault harness's faults, small: real workers and a real client with the generated Celery settings, each
task followed by id to a completion, a net, or nowhere (topology.testing.faults; scripts/chaos prints them).

The faults that leave the broker alone run on the suite's broker, each in a vhost of its own. The ones that
crash or stop a broker run on a private node the session starts (scripts/rabbitmq-node, chaos2 on 5822),
node loss on a private 3-node cluster (scripts/cluster, prefix chaosc); both stopped and deleted afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live.cluster.conftest import VERSION as CLUSTER_VERSION
from topology.broker.settings import Settings
from topology.testing.faults import QUEUE_TYPES, Cluster, Endpoint, PrivateNode, Row, Target, run_fault, started

pytestmark = pytest.mark.faults
COUNT = 60


def private_broker_needed() -> str | None:
    """Why a private node cannot be started here, or None."""
    if os.geteuid() != 0:
        return "the private RabbitMQ nodes of the fault tests run as the rabbitmq user: run the tests as root"
    if shutil.which("rabbitmq-server") is None and not Path("/usr/lib/rabbitmq/bin/rabbitmq-server").exists():
        return "RabbitMQ's server is not installed: apt-get install rabbitmq-server (scripts/ensure-rabbitmq)"
    return None


@pytest.fixture(scope="session")
def node() -> Iterator[PrivateNode]:
    reason = private_broker_needed()
    if reason:
        pytest.fail(reason) if os.environ.get("CI") else pytest.skip(reason)
    with started(PrivateNode("chaos2", "host", 5822)) as private:
        assert isinstance(private, PrivateNode)
        yield private


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    reason = private_broker_needed()
    if reason:
        pytest.fail(reason) if os.environ.get("CI") else pytest.skip(reason)
    with started(Cluster("chaosc", 5830, CLUSTER_VERSION)) as private:
        assert isinstance(private, Cluster)
        yield private


@pytest.fixture
def suite_broker(base_settings: Settings) -> Target:
    return Endpoint(base_settings.broker.url(secret=True), base_settings.management.url(secret=True))


def run(fault: str, queue_type: str, target: Target, tmp_path: Path, count: int = COUNT) -> Row:
    row = run_fault(fault, queue_type, target, tmp_path / uuid.uuid4().hex[:8], count)
    assert row.sent > 0 and row.accepted + row.raised + row.blocked == row.sent
    return row


@pytest.mark.parametrize("queue_type", QUEUE_TYPES)
def test_a_worker_killed_mid_task_loses_nothing_its_replacement_runs_the_rest(
    queue_type: str, suite_broker: Target, tmp_path: Path
) -> None:
    row = run("worker-kill", queue_type, suite_broker, tmp_path)
    assert (row.accepted, row.lost, row.completed) == (COUNT, 0, COUNT)


@pytest.mark.parametrize("queue_type", QUEUE_TYPES)
def test_tasks_sent_after_their_binding_is_removed_are_kept_as_unroutable(
    queue_type: str, suite_broker: Target, tmp_path: Path
) -> None:
    row = run("binding-removed", queue_type, suite_broker, tmp_path)
    assert row.lost == 0 and row.kept > 0 and row.completed + row.kept == row.accepted


@pytest.mark.parametrize("queue_type", QUEUE_TYPES)
def test_a_poison_task_is_dead_lettered_after_a_few_runs_and_the_tasks_behind_it_run(
    queue_type: str, suite_broker: Target, tmp_path: Path
) -> None:
    row = run("poison", queue_type, suite_broker, tmp_path)
    assert row.lost == 0 and row.waiting == 0 and row.kept == 1 and row.completed == row.accepted - 1


@pytest.mark.parametrize("queue_type", QUEUE_TYPES)
def test_a_task_sent_with_a_countdown_completes(queue_type: str, suite_broker: Target, tmp_path: Path) -> None:
    row = run("delayed", queue_type, suite_broker, tmp_path)
    assert row.lost == 0 and row.accepted > 0 and row.completed == row.accepted


@pytest.mark.private_node
@pytest.mark.parametrize("queue_type", QUEUE_TYPES)
def test_a_broker_killed_while_the_client_publishes_loses_nothing_it_accepted(
    queue_type: str, node: PrivateNode, tmp_path: Path
) -> None:
    row = run("broker-kill", queue_type, node, tmp_path)
    assert row.lost == 0 and row.blocked == 0


@pytest.mark.private_node
@pytest.mark.parametrize("queue_type", QUEUE_TYPES)
def test_a_broker_stopped_while_the_client_publishes_loses_nothing_it_accepted(
    queue_type: str, node: PrivateNode, tmp_path: Path
) -> None:
    row = run("broker-stop", queue_type, node, tmp_path)
    assert row.lost == 0 and row.blocked == 0


@pytest.mark.private_node
@pytest.mark.parametrize("queue_type", QUEUE_TYPES)
def test_a_publish_while_the_broker_is_down_raises_at_the_caller(
    queue_type: str, node: PrivateNode, tmp_path: Path
) -> None:
    row = run("publish-down", queue_type, node, tmp_path)
    assert row.blocked == 0 and row.raised == row.sent and row.lost == 0


@pytest.mark.cluster
@pytest.mark.parametrize("queue_type", QUEUE_TYPES)
def test_the_cluster_node_in_use_killed_loses_nothing_accepted(
    queue_type: str, cluster: Cluster, tmp_path: Path
) -> None:
    row = run("node-loss", queue_type, cluster, tmp_path)
    assert row.lost == 0 and row.blocked == 0

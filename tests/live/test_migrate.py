"""`plan --migrate` and `apply --migrate` on a real RabbitMQ: a classic queue holding tasks becomes a quorum
queue; the steps shown; a migration interrupted half-way resumed from its record; the plugin-off line; a real
worker consuming before and after (topology.testing.faults, small); the shovel on a private node.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest

from tests.live.conftest import Broker
from tests.live.test_faults import private_broker_needed, run, suite_broker  # noqa: F401  (a fixture)
from topology.broker.management import ManagementClient
from topology.broker.migrate import record
from topology.broker.settings import resolve_settings
from topology.planning.migration import MigrationRecord, StepNo, holding_queue, record_exchange
from topology.testing.faults import PrivateNode, Target, started

CLASSIC = """\
    exchanges:
      work: {type: direct}
    queues:
      jobs: {bindings: [{exchange: work, routing_key: jobs}]}
    default_queue: jobs
    """
QUORUM = CLASSIC.replace("jobs: {bindings", "jobs: {type: quorum, bindings")
HOLDING = holding_queue("jobs")


def _publish(broker: Broker, count: int, start: int = 0) -> None:
    with broker.connection() as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        for number in range(start, start + count):
            channel.basic_publish("work", "jobs", str(number).encode(), pika.BasicProperties(delivery_mode=2))


def _bodies(broker: Broker, queue: str) -> list[int]:
    with broker.connection() as connection:
        channel = connection.channel()
        bodies = []
        while True:
            method, _, body = channel.basic_get(queue, auto_ack=False)
            if method is None:
                break
            bodies.append(int(body))
        channel.basic_nack(0, multiple=True, requeue=True)
    return bodies


def _migrating(broker: Broker, count: int) -> tuple[Path, Path]:
    classic, quorum = broker.write(CLASSIC, "classic.yaml"), broker.write(QUORUM, "quorum.yaml")
    assert broker.cli("apply", file=classic).returncode == 0
    _publish(broker, count)
    return classic, quorum


def test_plan_shows_each_step_of_the_migration_and_apply_without_migrate_changes_nothing(broker: Broker) -> None:
    _, quorum = _migrating(broker, 25)
    with broker.connection() as connection:  # a consumer, as a worker's
        channel = connection.channel()
        channel.basic_qos(prefetch_count=1)  # one task held unacknowledged, as a worker holds it
        channel.basic_consume("jobs", lambda *_: None)
        text = broker.cli("plan", "--migrate", file=quorum)
        shown = broker.cli("plan", "--migrate", "--format", "json", file=quorum)
        refused = broker.cli("apply", file=quorum)
    assert text.returncode == 1, text.stdout + text.stderr
    assert "'jobs': type classic -> quorum; 24 messages to move twice by replay" in text.stdout
    assert "1 consumer(s) cancelled" in text.stdout and "messages would move by confirmed replay" in text.stdout
    lines = text.stdout.splitlines()
    numbered = [line.strip().split(".", 1)[0] for line in lines if line.startswith(" " * 11) and line[11:12].isdigit()]
    assert numbered == [str(n.value) for n in StepNo]
    assert "run `python -m topology apply --migrate`" in lines[-1]
    (migration,) = json.loads(shown.stdout)["data"]["migrations"]
    assert migration["queue"] == "jobs" and migration["holding_queue"] == HOLDING
    assert migration["changes"] == [{"property": "type", "from": "classic", "to": "quorum"}]
    assert (migration["messages"], migration["consumers"], migration["mover"]) == (24, 1, "replay")
    assert [s["number"] for s in migration["steps"]] == [n.value for n in StepNo]
    assert migration["expected_seconds"] > 0
    assert refused.returncode == 1 and "nothing was changed" in refused.stdout
    assert broker.state().queues["jobs"].type == "classic" and broker.ready("jobs") == 25


def test_apply_migrate_asks_first_and_without_a_terminal_or_yes_changes_nothing(broker: Broker) -> None:
    _, quorum = _migrating(broker, 5)
    refused = broker.cli("apply", "--migrate", file=quorum)
    assert refused.returncode == 2
    assert "migrate" not in refused.stdout and "confirm on a terminal, or pass --yes" in refused.stderr
    assert "holding queue" in refused.stderr
    assert broker.state().queues["jobs"].type == "classic" and broker.ready("jobs") == 5


def test_a_migration_interrupted_half_way_is_resumed_by_the_next_apply_migrate(broker: Broker) -> None:
    """Left as a kill -9 during step 4 leaves it: the holding queue bound, the queue unbound, half its
    messages moved, the record saying step 3; then more tasks published (into the holding queue)."""
    _, quorum = _migrating(broker, 200)
    with broker.connection() as connection:
        channel = connection.channel()
        channel.queue_declare(HOLDING, durable=True, arguments={"x-queue-type": "quorum"})
        channel.queue_bind(HOLDING, "work", "jobs", arguments={"x-topology-owner": "topology"})
        channel.confirm_delivery()
        for _ in range(100):
            method, properties, body = channel.basic_get("jobs", auto_ack=False)
            assert method is not None
            channel.basic_publish("", HOLDING, body, properties)
            channel.basic_ack(method.delivery_tag)
    record(broker.management(), broker.vhost, MigrationRecord("jobs", StepNo.UNBIND_QUEUE, "earlier"), "topology")
    with broker.connection() as connection:
        connection.channel().queue_unbind("jobs", "work", "jobs", arguments={"x-topology-owner": "topology"})
    _publish(broker, 20, start=200)
    interrupted = broker.cli("plan", file=quorum)
    assert interrupted.returncode == 1
    assert "migration_interrupted: the migration of queue 'jobs' stopped after step 3" in interrupted.stdout
    resumed_plan = broker.cli("plan", "--migrate", file=quorum)
    assert "resumes after step 3" in resumed_plan.stdout and "1. declare" not in resumed_plan.stdout
    assert "4. move the messages of 'jobs'" in resumed_plan.stdout
    resumed = broker.cli("apply", "--migrate", "--yes", file=quorum)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "steps 4, 5, 6, 7, 8 done" in resumed.stdout
    assert "rabbitmq-plugins enable rabbitmq_shovel rabbitmq_shovel_management" in resumed.stdout  # the host's: off
    live = broker.state()
    assert live.queues["jobs"].type == "quorum" and not live.migrating and not live.holding
    assert record_exchange("jobs") not in live.exchanges
    assert sorted(_bodies(broker, "jobs")) == list(range(220))  # every one, once
    assert broker.cli("plan", file=quorum).returncode == 0


@pytest.mark.faults
def test_a_consumed_queue_holding_tasks_becomes_quorum_with_nothing_lost(suite_broker: Target, tmp_path: Path) -> None:  # noqa: F811
    """A real worker consuming before and after, a client publishing meanwhile (the chaos row, small)."""
    row = run("migrate", "classic", suite_broker, tmp_path, count=100)
    assert row.lost == 0 and row.waiting == 0 and row.kept == 0
    assert row.accepted == 200 and row.completed == 200
    assert row.pause is not None and row.seconds is not None  # figures: scripts/chaos prints them


@pytest.fixture(scope="module")
def shovel_node() -> Iterator[PrivateNode]:
    reason = private_broker_needed()
    if reason:
        pytest.fail(reason) if os.environ.get("CI") else pytest.skip(reason)
    plugins = "rabbitmq_shovel,rabbitmq_shovel_management"
    with started(PrivateNode(f"mig{uuid.uuid4().hex[:4]}", "4.3", 5761, plugins)) as node:
        assert isinstance(node, PrivateNode)
        yield node


@pytest.mark.faults
@pytest.mark.private_node  # the same whatever the suite's broker: scripts/matrix's legs leave it out
def test_with_the_shovel_plugin_rabbitmq_moves_the_messages(shovel_node: PrivateNode, tmp_path: Path) -> None:
    url = f"{shovel_node.amqp[0]}/shovelled"
    settings = resolve_settings(url, shovel_node.management)
    ManagementClient(settings.management).create_vhost("shovelled")
    broker = Broker("shovelled", settings, tmp_path)
    env = {"CELERY_BROKER_URL": url, "RABBITMQ_MANAGEMENT_URL": shovel_node.management}
    classic, quorum = broker.write(CLASSIC, "classic.yaml"), broker.write(QUORUM, "quorum.yaml")
    assert broker.cli("apply", file=classic, **env).returncode == 0
    _publish(broker, 500)
    planned = broker.cli("plan", "--migrate", file=quorum, **env)
    assert "500 messages to move twice by shovel" in planned.stdout
    done = broker.cli("apply", "--migrate", "--yes", file=quorum, **env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "500 moved out, 500 back by shovel" in done.stdout and "rabbitmq-plugins" not in done.stdout
    assert broker.state().queues["jobs"].type == "quorum"
    assert sorted(_bodies(broker, "jobs")) == list(range(500))
    assert not ManagementClient(settings.management).get("/parameters/shovel/shovelled")  # each deleted itself


@pytest.mark.broker_series("3.10")
def test_inspect_and_adopt_recognise_mirrored_queues_and_arguments_4x_refuses(broker: Broker) -> None:
    """A 3.x estate: a classic queue mirrored by an ha-mode policy, another declared lazy (x-queue-mode)."""
    api = broker.management()
    if str(api.overview().get("rabbitmq_version", "")).startswith("4."):
        pytest.skip("RabbitMQ 4 refuses ha-* policies: a mirrored queue is a 3.x broker's (run on RabbitMQ 3.10)")
    classic, _ = _migrating(broker, 1)
    definition = {"pattern": "^jobs$", "definition": {"ha-mode": "all"}, "priority": 5, "apply-to": "queues"}
    api.put(f"/policies/{broker.vhost}/ha-jobs", definition)
    with broker.connection() as connection:
        connection.channel().queue_declare("lazy", durable=True, arguments={"x-queue-mode": "lazy"})
    inspected = json.loads(broker.cli("inspect", "--format", "json", file=classic).stdout)
    codes = {(f["code"], f["name"]) for f in inspected["findings"]}
    assert ("mirrored_queue", "jobs") in codes and ("classic_argument_dropped", "lazy") in codes
    mirrored = next(f for f in inspected["findings"] if f["code"] == "mirrored_queue")
    assert "ha-mode=all" in mirrored["message"] and "`jobs: {type: quorum}`" in mirrored["fix"]
    adopted = broker.cli("adopt", file=classic)
    assert adopted.returncode in (0, 1), adopted.stderr
    assert "mirrored_queue: make it `jobs: {type: quorum}`" in adopted.stdout  # beside the queue, in the file
    assert "warning   classic_argument_dropped: queue 'lazy'" in adopted.stderr

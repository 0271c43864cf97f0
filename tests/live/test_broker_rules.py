"""Each supported version's table in `checks.versions` is what a broker of that version accepts and refuses.

The broker under test (TEST_BROKER_URL) answers for its own series; for every other supported series a
private node is started with scripts/rabbitmq-node (RabbitMQ 4.x in a chroot, built on first use) and
stopped at the end of the session. Each test works in a vhost of its own on that node.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import amqp  # type: ignore[import-untyped]  # py-amqp has no type hints
import kombu
import pika
import pika.exceptions
import pytest
from celery import Celery

from tests.conftest import ROOT
from tests.stock_celery import legacy_app
from topology.broker.management import ManagementClient
from topology.broker.settings import Settings, resolve_settings
from topology.celery_adapter.config import configure
from topology.celery_adapter.hazards import HazardKind, declared_queues, version_hazards
from topology.checks.versions import (
    DENIED_BY_DEFAULT,
    GLOBAL_QOS,
    SUPPORTED,
    TRANSIENT_QUEUES,
    VersionRules,
    rules_for,
)
from topology.errors import BrokerUnavailable, TopologyError
from topology.language.loader import load_topology
from topology.model import QueueType

VALID_VALUES: dict[str, Any] = {
    "x-expires": 60_000,
    "x-message-ttl": 1_000,
    "x-dead-letter-exchange": "dlx",
    "x-dead-letter-routing-key": "k",
    "x-max-length": 10,
    "x-max-length-bytes": 1_000,
    "x-max-priority": 5,
    "x-overflow": "reject-publish",
    "x-queue-mode": "lazy",
    "x-queue-version": 2,
    "x-single-active-consumer": True,
    "x-queue-master-locator": "client-local",
    "x-dead-letter-strategy": "at-least-once",
    "x-delivery-limit": 5,
    "x-quorum-initial-group-size": 1,
    "x-max-in-memory-length": 5,
    "x-max-in-memory-bytes": 1_000,
    "x-max-age": "1h",
    "x-stream-max-segment-size-bytes": 1_000_000,
    "x-initial-cluster-size": 1,
    "x-queue-leader-locator": "client-local",
    "x-consumer-timeout": 60_000,
}
NODE_VERSIONS = {"3.10": "host", "4.0": "4.0", "4.3": "4.3"}
"""scripts/rabbitmq-node's --version for the node each series is read off when the broker under test is of
another series."""
NODE_SCRIPT = ROOT / "scripts" / "rabbitmq-node"


@dataclass(frozen=True)
class VersionedBroker:
    """A vhost of its own on a broker of one series."""

    rules: VersionRules
    settings: Settings
    vhost: str

    def parameters(self, user: str = "", password: str = "") -> pika.ConnectionParameters:
        broker = self.settings.broker
        credentials = pika.PlainCredentials(user or broker.username, password or broker.password)
        return pika.ConnectionParameters(broker.host, broker.port, self.vhost, credentials)

    def connection(self, user: str = "", password: str = "") -> pika.BlockingConnection:
        return pika.BlockingConnection(self.parameters(user, password))

    def management(self) -> ManagementClient:
        return ManagementClient(self.settings.management)


def _version(settings: Settings) -> str:
    return str(ManagementClient(settings.management).overview()["rabbitmq_version"])


def _free_port() -> int:
    """An AMQP port whose management (+10000) and distribution (+20000) ports are free too: a node of this
    test run's own, whatever other runs use."""
    for _ in range(100):
        port = random.randrange(6000, 9000)
        try:
            for offset in (0, 10000, 20000):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port + offset))
        except OSError:
            continue
        return port
    raise AssertionError("no free port for a private node between 6000 and 9000")


@pytest.fixture(scope="session", params=list(SUPPORTED))
def series_settings(request: pytest.FixtureRequest, base_settings: Settings) -> Iterator[tuple[VersionRules, Settings]]:
    """A broker of the series: the one under test when it is of it, else a private node started for it."""
    rules = SUPPORTED[request.param]
    if rules_for(_version(base_settings)) is rules:
        yield rules, base_settings
        return
    name, port = f"rules-{rules.series.replace('.', '-')}-{os.getpid()}", _free_port()
    started = subprocess.run(
        [str(NODE_SCRIPT), "start", name, "--version", NODE_VERSIONS[rules.series], "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=1800,  # a chroot is built on first use
    )
    assert started.returncode == 0, f"scripts/rabbitmq-node could not start {name}: {started.stderr[-2000:]}"
    try:
        settings = resolve_settings(
            f"amqp://guest:guest@127.0.0.1:{port}/", f"http://guest:guest@127.0.0.1:{port + 10000}"
        )
        assert rules_for(_version(settings)) is rules
        yield rules, settings
    finally:
        subprocess.run([str(NODE_SCRIPT), "stop", name], capture_output=True, timeout=120, check=False)
        subprocess.run([str(NODE_SCRIPT), "delete", name], capture_output=True, timeout=120, check=False)


@pytest.fixture
def versioned(series_settings: tuple[VersionRules, Settings]) -> Iterator[VersionedBroker]:
    rules, settings = series_settings
    vhost = f"topology-rules-{uuid.uuid4().hex[:12]}"
    management = ManagementClient(settings.management)
    management.create_vhost(vhost)
    try:
        yield VersionedBroker(rules, settings, vhost)
    finally:
        management.delete_vhost(vhost)


def _declared(connection: pika.BlockingConnection, name: str, arguments: dict[str, Any]) -> str:
    """'accepted', 'refused' (406, the channel closed) or 'closed' (the whole connection closed)."""
    channel = connection.channel()
    try:
        channel.queue_declare(name, durable=True, arguments=arguments)
    except pika.exceptions.ChannelClosedByBroker as refused:
        assert refused.reply_code == 406, refused
        return "refused"
    except pika.exceptions.ConnectionClosedByBroker as closed:
        assert closed.reply_code == 541, closed
        return "closed"
    channel.queue_delete(name)
    return "accepted"


def test_every_argument_is_accepted_exactly_on_the_queue_types_the_versions_table_says(
    versioned: VersionedBroker,
) -> None:
    rules = versioned.rules
    # 3.10 has no consumer timeout per queue: it accepts the argument on every type and ignores it
    ignored = {"x-consumer-timeout"} if rules.series == "3.10" else set()
    assert set(VALID_VALUES) == set(rules.queue_arguments) | ignored
    found, expected = {}, {}
    connection = versioned.connection()
    try:
        for argument, accepted_on in rules.queue_arguments.items():
            extra = {"x-dead-letter-exchange": "dlx"} if argument == "x-dead-letter-routing-key" else {}
            for queue_type in QueueType:
                typed = {} if queue_type is QueueType.CLASSIC else {"x-queue-type": queue_type.value}
                name = f"{queue_type.value}-{argument}"
                outcome = _declared(connection, name, {argument: VALID_VALUES[argument], **extra, **typed})
                if outcome == "closed":
                    connection = versioned.connection()
                found[(argument, queue_type.value)] = outcome
                if queue_type not in accepted_on:
                    expected[(argument, queue_type.value)] = "refused"
                elif argument in rules.closing_arguments:
                    expected[(argument, queue_type.value)] = "closed"
                else:
                    expected[(argument, queue_type.value)] = "accepted"
    finally:
        if connection.is_open:
            connection.close()
    assert found == expected


def test_the_values_the_table_says_a_version_refuses_it_refuses(versioned: VersionedBroker) -> None:
    with versioned.connection() as connection:
        outcomes = {
            value: _declared(connection, f"queue-version-{value}", {"x-queue-version": value}) for value in (1, 2)
        }
    refused = {value for (argument, value) in versioned.rules.refused_values if argument == "x-queue-version"}
    assert outcomes == {value: "refused" if value in refused else "accepted" for value in (1, 2)}


def test_the_policy_keys_the_table_says_a_version_refuses_are_refused_by_its_management_api(
    versioned: VersionedBroker,
) -> None:
    keys = {"ha-mode": "all", "queue-master-locator": "client-local", "max-length": 5}
    management = versioned.management()
    found, expected = {}, {}
    for key, value in keys.items():
        path = f"/policies/{versioned.vhost}/p-{key}"
        body = {"pattern": "^nothing$", "definition": {key: value}, "apply-to": "queues"}
        try:
            management._request("PUT", path, json=body)
            found[key] = "accepted"
        except BrokerUnavailable as refused:
            assert " with 400" in str(refused)
            found[key] = "refused"
        expected[key] = "refused" if versioned.rules.refused_policy_key(key) else "accepted"
    assert found == expected


def test_a_passive_declare_takes_the_permission_the_table_says(versioned: VersionedBroker) -> None:
    management = versioned.management()
    user, password = f"reader-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    with versioned.connection() as connection:
        connection.channel().queue_declare("counted", durable=True)
    management._request("PUT", f"/users/{user}", json={"password": password, "tags": "management"})
    try:
        answered = {}
        for permission, read in (("", ""), ("read", ".*")):
            grant = {"configure": "", "write": "", "read": read}
            management._request("PUT", f"/permissions/{versioned.vhost}/{user}", json=grant)
            with versioned.connection(user, password) as connection:
                try:
                    connection.channel().queue_declare("counted", passive=True)
                    answered[permission] = True
                except pika.exceptions.ChannelClosedByBroker as refused:
                    assert refused.reply_code == 403
                    answered[permission] = False
    finally:
        management._request("DELETE", f"/users/{user}", allow_404=True)
    assert answered == {"": versioned.rules.passive_declare_permission == "", "read": True}


def test_definitions_list_internal_exchanges_as_the_table_says_and_the_session_reads_them_anyway(
    versioned: VersionedBroker,
) -> None:
    with versioned.connection() as connection:
        channel = connection.channel()
        channel.exchange_declare("source", "topic", durable=True)
        channel.exchange_declare("inside", "fanout", durable=True, internal=True)
        channel.exchange_bind("inside", "source", "#")
    definitions = versioned.management().get(f"/definitions/{versioned.vhost}")
    listed = {e["name"] for e in definitions["exchanges"]}
    assert ("inside" in listed) is versioned.rules.definitions_list_internal_exchanges
    state = versioned.management().state(versioned.vhost)
    assert state.exchanges["inside"].internal
    assert rules_for(state.rabbitmq_version) is versioned.rules


def test_a_quorum_queue_without_a_delivery_limit_drops_a_message_after_the_tables_default(
    versioned: VersionedBroker,
) -> None:
    limit = versioned.rules.default_delivery_limit
    attempts = (limit or 20) + 5
    with versioned.connection() as connection:
        channel = connection.channel()
        channel.confirm_delivery()  # the message is in the queue before it is asked for
        channel.queue_declare("limited", durable=True, arguments={"x-queue-type": "quorum"})
        channel.basic_publish("", "limited", b"task")
        delivered = 0
        while delivered < attempts:
            method = _get(channel, "limited")
            if method is None:
                break
            delivered += 1
            channel.basic_reject(method.delivery_tag, requeue=True)
    assert delivered == (attempts if limit is None else limit + 1)


def _get(channel: Any, queue: str) -> Any:
    """The queue's next message, or None once it is gone: a requeued message is back a moment later, so an
    empty answer is trusted only when the queue counts no message at all."""
    while True:
        method, _, _ = channel.basic_get(queue)
        if method is not None:
            return method
        if channel.queue_declare(queue, passive=True).method.message_count == 0:
            return None


@pytest.mark.parametrize("queue_type", [QueueType.QUORUM, QueueType.STREAM])
def test_replicated_queues_refuse_non_durable_and_auto_delete_as_the_rules_say(
    versioned: VersionedBroker, queue_type: QueueType
) -> None:
    with versioned.connection() as connection:
        for options in ({"durable": False}, {"durable": True, "auto_delete": True}):
            channel = connection.channel()
            with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
                channel.queue_declare("q", arguments={"x-queue-type": queue_type.value}, **options)
            assert refused.value.reply_code == 406


def test_the_deprecated_features_celery_may_use_are_in_the_phase_the_table_says(versioned: VersionedBroker) -> None:
    try:
        listed = versioned.management().get("/deprecated-features")
    except TopologyError:  # RabbitMQ 3.10 has no deprecated features to list (404)
        listed = []
    phases = {f["name"]: f["deprecation_phase"] for f in listed if f["name"] in (TRANSIENT_QUEUES, GLOBAL_QOS)}
    assert phases == dict(versioned.rules.deprecated_features)


def test_a_global_prefetch_is_honoured_or_ignored_as_the_table_says(versioned: VersionedBroker) -> None:
    """Two consumers on a channel with a global prefetch of 1: one message between them where RabbitMQ honours
    the flag, one each where it ignores it (global_qos denied)."""
    ignored = versioned.rules.deprecated_features.get(GLOBAL_QOS) == DENIED_BY_DEFAULT
    delivered: list[str] = []
    with versioned.connection() as connection:
        setup = connection.channel()
        setup.confirm_delivery()
        for queue in ("first", "second"):
            setup.queue_declare(queue, durable=True)
            for _ in range(2):
                setup.basic_publish("", queue, b"task")
        channel = connection.channel()
        channel.basic_qos(prefetch_count=1, global_qos=True)
        for queue in ("first", "second"):
            channel.basic_consume(queue, lambda _, method, __, ___: delivered.append(method.routing_key))
        deadline = time.monotonic() + 1  # what the prefetch lets through comes at once; a second one in 1 s, never
        while len(delivered) < 2 and time.monotonic() < deadline:
            connection.process_data_events(time_limit=0.1)
    assert len(delivered) == (2 if ignored else 1)
    assert not ignored or sorted(delivered) == ["first", "second"]


@pytest.fixture(scope="module")
def strict_rabbitmq_4_3() -> Iterator[str]:
    """A private RabbitMQ 4.3 node whose operator denies transient non-exclusive queues: its AMQP URL."""
    name, port = f"rules-strict-{os.getpid()}", _free_port()
    deny = f"deprecated_features.permit.{TRANSIENT_QUEUES} = false"
    started = subprocess.run(
        [str(NODE_SCRIPT), "start", name, "--version", "4.3", "--port", str(port), "--conf", deny],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert started.returncode == 0, f"scripts/rabbitmq-node could not start {name}: {started.stderr[-2000:]}"
    try:
        yield f"amqp://guest:guest@127.0.0.1:{port}//"
    finally:
        subprocess.run([str(NODE_SCRIPT), "stop", name], capture_output=True, timeout=120, check=False)
        subprocess.run([str(NODE_SCRIPT), "delete", name], capture_output=True, timeout=120, check=False)


@pytest.mark.private_node
def test_a_broker_denying_transient_queues_refuses_the_queues_the_hazards_name_and_no_other(
    strict_rabbitmq_4_3: str,
) -> None:
    """The queues each app's processes declare, declared on it: the configured app's all accepted, those the
    hazards name for an app as older releases make it refused (the connection closed, 541)."""
    configured = configure(Celery("c", set_as_current=False), load_topology(ROOT / "routing.yaml"), strict_rabbitmq_4_3)
    for app in (configured, legacy_app(strict_rabbitmq_4_3)):
        refused = set()
        for declared in declared_queues(app):
            with kombu.Connection(strict_rabbitmq_4_3) as connection:
                try:
                    declared.queue.queue_declare(channel=connection.channel())
                except amqp.exceptions.InternalError as error:
                    assert error.reply_code == 541 and TRANSIENT_QUEUES in str(error)
                    refused.add(declared.subject)
        hazards = version_hazards(app, SUPPORTED["4.3"])
        assert refused == {h.subject for h in hazards if h.kind is HazardKind.TRANSIENT_QUEUE}
        assert bool(refused) is (app is not configured)

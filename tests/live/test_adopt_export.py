"""export and adopt on a real RabbitMQ: a file exported and imported by RabbitMQ itself, and a vhost made
by hand with raw pika adopted, each round trip ending in a plan with nothing to do. A vhost per test."""

from __future__ import annotations

import json
from typing import Any

import yaml

from tests.conftest import LADDER_OBJECTS
from tests.live.conftest import Broker
from topology.language.loader import parse_topology
from topology.model import DEAD_LETTER_NET, UNROUTABLE_NET, Kind, Policy, QueueType

EVERY_FEATURE = """
exchanges:
  events: {type: topic, alternate_exchange: unrouted}
  unrouted: {type: fanout}
  by_header: {type: headers, bindings: [{exchange: events, routing_key: "audit.#"}]}
  plain: {type: direct, durable: false}
queues:
  reports: {bindings: [{exchange: events, routing_key: [report.*, report.daily]}], message_ttl: 60s, max_length: 1000}
  audits: {type: quorum, delivery_limit: 5, bindings: [{exchange: by_header, match: any, headers: {kind: audit}}]}
  lost: {bindings: [{exchange: unrouted}]}
routes:
  tasks.report: {exchange: events, routing_key: report.daily}
default_queue: reports
policies:
  cap: {queues: [lost], max_length: 100}
"""


def plan_json(broker: Broker, path: object, exit_code: int = 0) -> dict[str, Any]:
    planned = broker.cli("plan", "--format", "json", "-f", str(path))
    assert planned.returncode == exit_code, planned.stdout + planned.stderr
    return dict(json.loads(planned.stdout))


def test_exported_definitions_imported_by_rabbitmq_leave_plan_nothing_to_do(broker: Broker) -> None:
    path = broker.write(EVERY_FEATURE)
    exported = broker.cli("export", "-f", str(path))
    assert exported.returncode == 0, exported.stderr
    definitions = json.loads(exported.stdout)
    assert {q["vhost"] for q in definitions["queues"]} == {broker.vhost}
    broker.management().import_definitions(broker.vhost, definitions)
    data = plan_json(broker, path)
    nets = 2 + 2 + 2 + 2  # each net's exchange, queue, binding and managed policy, exported like the rest
    ladder = LADDER_OBJECTS + 4 + 3  # and a binding from its delivery exchange into each exchange and queue
    assert data["summary"] == {"unchanged": 4 + 3 + 5 + 1 + nets + ladder} and data["changes"] == []
    live = broker.state()
    assert live.queues["audits"].type == "quorum" and live.queues["audits"].owner == "topology"
    assert live.exchanges["events"].arguments == {"alternate-exchange": "unrouted"}


def test_export_of_an_invalid_file_exits_2_with_its_line(broker: Broker) -> None:
    path = broker.write("queues: {a: {bindings: [{exchange: nowhere}]}}\ndefault_queue: a\n")
    exported = broker.cli("export", "-f", str(path))
    assert exported.returncode == 2 and exported.stdout == ""
    assert f"{path}:1:" in exported.stderr and "Traceback" not in exported.stderr


def make_by_hand(broker: Broker) -> None:
    """Every feature adopt must keep, and Celery's own objects it must leave out, made as another client would."""
    with broker.connection() as connection:
        channel = connection.channel()
        channel.exchange_declare("unrouted", "fanout", durable=True)
        channel.exchange_declare("events", "topic", durable=True, arguments={"alternate-exchange": "unrouted"})
        channel.exchange_declare("by_header", "headers", durable=True)
        channel.exchange_bind("by_header", "events", "audit.#")
        channel.queue_declare("reports", durable=True, arguments={"x-message-ttl": 60000, "x-max-length": 1000})
        channel.queue_bind("reports", "events", "report.*")
        channel.queue_bind("reports", "events", "report.daily")
        channel.queue_declare("audits", durable=True, arguments={"x-queue-type": "quorum", "x-delivery-limit": 5})
        channel.queue_bind("audits", "by_header", "", arguments={"x-match": "any", "kind": "audit"})
        channel.queue_declare("lost", durable=True, arguments={"x-expires": 3_600_000})
        channel.queue_bind("lost", "unrouted", "")
        # Celery's own: events, remote control, native delayed delivery, a worker's reply queue
        channel.exchange_declare("celeryev", "topic", durable=True)
        channel.exchange_declare("celery.pidbox", "fanout", durable=False)
        channel.exchange_declare("celery_delayed_27", "topic", durable=True)
        channel.queue_declare("celery_delayed_0", durable=True, arguments={"x-queue-type": "quorum"})
        channel.queue_declare("celeryev.1f7c", auto_delete=True)
        channel.queue_bind("celeryev.1f7c", "celeryev", "#")
    broker.management().put_policy(broker.vhost, Policy("cap", "^lost$", {"max-length": 100}))


def test_adopted_hand_made_vhost_plans_nothing_to_do(broker: Broker) -> None:
    make_by_hand(broker)
    path = broker.tmp / "adopted.yaml"
    adopted = broker.cli("adopt", "-o", str(path))
    assert adopted.returncode == 0, adopted.stderr
    for left in ("celeryev", "celery.pidbox", "celery_delayed_27", "celery_delayed_0", "celeryev.1f7c"):
        assert repr(left) in adopted.stderr
    written = yaml.safe_load(path.read_text())
    assert "unroutable" not in written and "dead_letters" not in written  # the nets on, as in every file
    topology = parse_topology(path.read_text())
    nets = topology.nets.keeping
    assert nets == {UNROUTABLE_NET, DEAD_LETTER_NET}
    assert {e.name for e in topology.exchanges} == {"unrouted", "events", "by_header", *nets}
    assert {q.name for q in topology.queues} == {"reports", "audits", "lost", *nets}
    events = topology.exchange("events")
    assert events is not None and events.alternate_exchange == "unrouted"
    by_header = topology.exchange("by_header")
    assert by_header is not None
    assert [(b.exchange, b.routing_key) for b in by_header.bindings] == [("events", "audit.#")]
    audits = topology.queue("audits")
    assert audits is not None and audits.type is QueueType.QUORUM and audits.arguments == {"x-delivery-limit": 5}
    assert "message_ttl: 60000ms" in path.read_text()  # named options, not raw x-arguments
    policies = [
        (p.name, p.pattern, {k: v for k, v in p.definition.items() if k not in p.net_keys})
        for p in topology.policies
        if p.name not in nets
    ]
    assert policies == [("cap", "^lost$", {"max-length": 100})]
    applied = broker.cli("apply", "-f", str(path))  # the nets, which the hand-made vhost lacked
    assert applied.returncode == 0, applied.stdout + applied.stderr
    again = broker.tmp / "adopted-again.yaml"
    readopted = broker.cli("adopt", "-o", str(again))
    assert readopted.returncode == 0, readopted.stderr
    for left in (f"exchange {UNROUTABLE_NET!r}", f"queue {DEAD_LETTER_NET!r}", f"policy {DEAD_LETTER_NET!r}"):
        assert left in readopted.stderr  # left out like Celery's own objects: the file turns the nets on
    assert again.read_text() == path.read_text()  # nor the nets' key in the policy 'cap'
    data = plan_json(broker, again, exit_code=1)  # drift: Celery's own objects, left out, which apply leaves
    assert set(data["summary"]) == {"unchanged", "extra"}
    assert {(c["action"], c["kind"], c["name"]) for c in data["changes"]} == {
        ("extra", Kind.EXCHANGE.value, "celery_delayed_27"),
        ("extra", Kind.QUEUE.value, "celery_delayed_0"),
    }


def test_adopt_json_and_stdout(broker: Broker) -> None:
    make_by_hand(broker)
    printed = broker.cli("adopt")
    assert printed.returncode == 0 and parse_topology(printed.stdout).queue("reports") is not None
    as_json = broker.cli("adopt", "--format", "json")
    data = json.loads(as_json.stdout)
    assert data["command"] == "adopt" and data["ok"] and data["vhost"] == broker.vhost and data["problems"] == []
    assert data["summary"] == {"exchanges": 3, "queues": 3, "bindings": 5, "policies": 1}
    adopted = data["data"]
    assert adopted["file"] is None and adopted["routing_yaml"] == printed.stdout
    assert "queue 'celeryev.1f7c': auto-delete" in " ".join(adopted["left_out"])


def test_adopt_of_an_empty_vhost_writes_the_file_and_says_it_does_not_validate_yet(broker: Broker) -> None:
    adopted = broker.cli("adopt")
    assert adopted.returncode == 1 and "default_queue: celery" in adopted.stdout
    assert "the written file: routing.yaml:" in adopted.stderr and "'celery'" in adopted.stderr


def test_adopt_of_a_missing_vhost_exits_3_with_the_fix(broker: Broker) -> None:
    gone = broker.cli("adopt", "--broker", broker.url.rsplit("/", 1)[0] + "/no-such-vhost-here")
    assert gone.returncode == 3 and gone.stdout == ""
    assert "does not exist" in gone.stderr and "rabbitmqctl add_vhost" in gone.stderr
    assert "guest:guest" not in gone.stderr

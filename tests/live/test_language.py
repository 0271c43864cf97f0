"""The full language on a real broker: apply, inspect, workers, conflicts and missing plugins; the CLI commands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery

from tests.conftest import ROOT
from tests.live.conftest import Broker
from topology.celery_adapter.config import configure
from topology.language.loader import load

FULL = (ROOT / "examples" / "full.yaml").read_text()


@pytest.fixture
def full(broker: Broker) -> Path:
    path = broker.write(FULL)
    applied = broker.cli("apply", file=path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    return path


def test_the_full_example_applies_is_in_sync_and_reapplies_unchanged(broker: Broker, full: Path) -> None:
    inspected = broker.cli("inspect", "--format", "json", file=full)
    assert inspected.returncode == 0, inspected.stdout
    assert [f for f in json.loads(inspected.stdout)["findings"] if f["severity"] == "error"] == []
    again = broker.cli("apply", "--format", "json", file=full)
    assert {step["status"] for step in json.loads(again.stdout)["changes"]} == {"unchanged"}
    live = broker.state()
    assert live.queues["reports"].type == "quorum" and live.queues["audit_log"].type == "stream"
    assert live.exchanges["audit"].internal and live.exchanges["events"].arguments == {"alternate-exchange": "unrouted"}


@pytest.fixture
def client(broker: Broker, full: Path) -> Iterator[Celery]:
    app = configure(Celery("client", set_as_current=False), load(full, environ={}).topology, broker_url=broker.url)
    yield app
    app.close()


def test_workers_run_tasks_routed_by_headers_topic_and_regex_and_declare_nothing(
    broker: Broker, full: Path, client: Celery
) -> None:
    broker.worker("urgent,reports,default", full, name="all")
    a = client.send_task("tasks.taskA", (6, 7))  # headers exchange, task header, priority 5
    b = client.send_task("tasks.taskB", (1, 2, 3))  # topic exchange into a quorum queue
    c = client.send_task("tasks.add", (2, 2))  # /regex/ route
    assert (a.get(timeout=30), b.get(timeout=30), c.get(timeout=30)) == (42, 6, 4)
    live = broker.state()
    made_by_celery = [name for name in [*live.exchanges, *live.queues] if name.startswith("celery_delayed")]
    assert made_by_celery == []  # Celery's native delayed delivery would have declared 56 objects
    assert broker.cli("inspect", file=full).returncode == 0


def test_a_changed_argument_is_a_conflict_and_nothing_is_applied(broker: Broker) -> None:
    with broker.connection() as connection:
        connection.channel().queue_declare("urgent", durable=True, arguments={"x-max-priority": 3})
    path = broker.write(FULL)
    applied = broker.cli("apply", file=path)
    assert applied.returncode == 1
    # every argument that differs is named, not only the first one RabbitMQ would refuse
    assert "conflict  queue    urgent  " in applied.stdout
    assert "x-message-ttl is not set on the broker but 30000 in routing.yaml" in applied.stdout
    assert "x-max-priority is 3 on the broker but 10 in routing.yaml" in applied.stdout
    assert "nothing was changed" in applied.stdout
    live = broker.state()
    assert set(live.queues) == {"urgent"} and "events" not in live.exchanges


def test_a_queue_of_the_wrong_type_is_reported_by_inspect(broker: Broker, full: Path) -> None:
    with broker.connection() as connection:
        channel = connection.channel()
        channel.queue_delete("reports")
        channel.queue_declare("reports", durable=True)
    inspected = broker.cli("inspect", file=full)
    assert inspected.returncode == 1
    assert "queue 'reports' has type=classic but routing.yaml says quorum" in inspected.stdout


def test_an_exchange_type_whose_plugin_is_not_enabled_is_refused_before_any_change(broker: Broker) -> None:
    if "x-delayed-message" in broker.management().exchange_types():
        pytest.skip("rabbitmq_delayed_message_exchange is enabled on this broker: the refusal cannot be shown")
    path = broker.write(
        "exchanges:\n  later: {type: x-delayed-message, delayed_type: direct}\n"
        "queues:\n  q: {bindings: [{exchange: later, routing_key: q}]}\ndefault_queue: q\n"
    )
    applied = broker.cli("apply", file=path)
    assert applied.returncode == 1
    assert "needs the rabbitmq_delayed_message_exchange plugin" in applied.stdout
    assert "`rabbitmq-plugins enable rabbitmq_delayed_message_exchange`" in applied.stdout
    assert "q" not in broker.state().queues


def test_routes_shows_each_registered_task_with_its_rule_line_and_queues(broker: Broker, full: Path) -> None:
    shown = broker.cli("routes", "--format", "json", file=full)
    assert shown.returncode == 0, shown.stderr
    rows = {row["task"]: row for row in json.loads(shown.stdout)["data"]["tasks"]}
    assert rows["tasks.taskA"] == {
        "task": "tasks.taskA",
        "rule": "tasks.taskA",
        "line": 39,
        "exchange": "by_header",
        "routing_key": "",
        "queues": ["urgent"],
        "through": "queue's exchange",  # urgent's one binding is on a headers exchange: Celery publishes there
        "decided_by": {"queue": "route"},
        "ignored": [],
        "not_followed": None,
        "refused": None,
    }
    assert (rows["tasks.add"]["rule"], rows["tasks.add"]["queues"]) == ("/tasks\\.(add|sum)$/", ["default"])
    assert rows["tasks.taskB"]["queues"] == ["reports"]


def test_validate_checks_task_names_against_the_app(broker: Broker) -> None:
    path = broker.write(FULL.replace("tasks.taskB: {exchange", "demo.taskB: {exchange"))
    checked = broker.cli("validate", file=path)
    assert checked.returncode == 2
    assert checked.stderr.strip() == (
        f"{path}:40:3: route 'demo.taskB' names a task the Celery app does not register (did you mean 'tasks.taskB'?)"
    )


def test_validate_says_when_the_app_cannot_be_imported_and_still_checks_the_file(broker: Broker) -> None:
    path = broker.write(FULL.replace("app: tasks", "app: no_such_module"))
    checked = broker.cli("validate", file=path)
    assert checked.returncode == 0
    assert "cannot import Celery app 'no_such_module': ModuleNotFoundError" in checked.stdout


def test_validate_strict_fails_on_warnings(broker: Broker) -> None:
    path = broker.write("queues:\n  q: {}\n  orphan: {}\ndefault_queue: q\n")
    assert broker.cli("validate", file=path).returncode == 0
    strict = broker.cli("validate", "--strict", file=path)
    assert strict.returncode == 1 and "warning: queue 'orphan' is reached by no route" in strict.stderr


def test_schema_command_prints_the_json_schema(broker: Broker) -> None:
    printed = broker.cli("schema")
    assert printed.returncode == 0
    schema = json.loads(printed.stdout)
    assert schema["$schema"].endswith("2020-12/schema") and "default_queue" in schema["required"]

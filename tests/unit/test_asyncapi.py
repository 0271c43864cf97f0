"""`export --format asyncapi`: examples/full.yaml's document validates against the official AsyncAPI 3.0 JSON
schema (npm's @asyncapi/specs, pinned in tests/npm and installed by scripts/test's `npm ci`, never fetched
here), has a channel per exchange and queue, a send per task with the key `routes` gives it, a receive per
routed queue, and its message schema takes the message Celery itself builds (protocol 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from celery import Celery
from click.testing import CliRunner
from jsonschema import Draft7Validator
from jsonschema.validators import validator_for

from tests.conftest import ROOT
from topology.cli.main import main
from topology.language.loader import load_topology
from topology.routing import known_task_names, task_route, tasks_by_queue

FULL = ROOT / "examples" / "full.yaml"
SPECS = ROOT / "tests" / "npm" / "node_modules" / "@asyncapi" / "specs"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    path = SPECS / "schemas" / "3.0.0.json"
    assert path.is_file(), "the AsyncAPI schemas are installed by scripts/test: run `npm ci --prefix tests/npm`"
    pinned = json.loads((ROOT / "tests" / "npm" / "package.json").read_text())["dependencies"]["@asyncapi/specs"]
    assert json.loads((SPECS / "package.json").read_text())["version"] == pinned
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def exported(*args: str) -> str:
    result = CliRunner().invoke(main, ["-f", str(FULL), "export", "--format", "asyncapi", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(exported())
    return loaded


def test_full_yaml_validates_against_the_official_asyncapi_3_schema(
    schema: dict[str, Any], document: dict[str, Any]
) -> None:
    assert validator_for(schema) is Draft7Validator  # the draft the schema says it is written in
    Draft7Validator(schema).validate(document)
    broken = json.loads(json.dumps(document))
    broken["operations"]["send.tasks.add"]["action"] = "publish"  # the validation can fail: AsyncAPI 2's word
    assert not Draft7Validator(schema).is_valid(broken)


def test_channels_operations_and_keys_are_the_files(document: dict[str, Any]) -> None:
    topology = load_topology(FULL)
    channels = document["channels"]
    for exchange in topology.exchanges:
        amqp = channels[f"exchange.{exchange.name}"]["bindings"]["amqp"]
        assert amqp["is"] == "routingKey" and amqp["exchange"]["name"] == exchange.name
    for queue in topology.on_broker.queues:
        assert channels[f"queue.{queue.name}"]["bindings"]["amqp"]["queue"]["name"] == queue.name
    operations = document["operations"]
    for task in known_task_names(topology):
        route = task_route(topology, task)
        send = operations[f"send.{task}"]
        assert send["channel"] == {"$ref": f"#/channels/exchange.{route.exchange}"}
        assert send["bindings"]["amqp"]["cc"] == [route.routing_key]
    receives = {name for name, op in operations.items() if op["action"] == "receive"}
    assert receives == {f"receive.{queue}" for queue in tasks_by_queue(topology)}


def test_the_message_schema_takes_the_message_celery_builds(document: dict[str, Any]) -> None:
    message = document["components"]["messages"]["tasks.add"]
    built = Celery("asyncapi", set_as_current=False).amqp.as_task_v2("an-id", "tasks.add", (1, 2), {"z": 3})
    body = json.loads(json.dumps(built.body))  # as the JSON serializer sends it
    Draft7Validator(message["headers"]).validate(built.headers)
    Draft7Validator(message["payload"]).validate(body)
    wrong = {**built.headers, "task": "tasks.other"}
    assert not Draft7Validator(message["headers"]).is_valid(wrong)  # each task's message names its task


def test_json_when_the_file_says_so(tmp_path: Path, document: dict[str, Any]) -> None:
    written = tmp_path / "asyncapi.json"
    exported("-o", str(written))
    assert json.loads(written.read_text()) == document

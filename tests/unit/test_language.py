"""The full routing.yaml language: what each construct becomes in the model and in Celery's settings."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
import yaml
from celery import Celery
from celery.schedules import crontab

from tests.conftest import ROOT
from topology.celery_adapter.config import celery_settings, configure
from topology.language.loader import check_text, load
from topology.language.schema import json_schema
from topology.language.units import parse_duration, parse_size
from topology.model import ExchangeType, QueueType

FULL = ROOT / "examples" / "full.yaml"


def test_the_full_example_becomes_the_model_with_wire_arguments() -> None:
    topology = load(FULL, environ={}).topology
    reports = topology.queue("reports")
    assert reports is not None and reports.type is QueueType.QUORUM
    assert reports.arguments == {
        "x-delivery-limit": 5,
        "x-dead-letter-exchange": "dead",
        "x-dead-letter-routing-key": "reports",
        "x-overflow": "reject-publish",
    }
    assert reports.declared().wire_arguments()["x-queue-type"] == "quorum"
    assert [b.routing_key for b in reports.bindings] == ["report.*", "report.#.urgent"]
    urgent = topology.queue("urgent")
    assert urgent is not None
    assert urgent.arguments == {
        "x-max-priority": 10,
        "x-message-ttl": 30_000,
        "x-max-length": 10_000,
        "x-max-length-bytes": 64 * 1024**2,
    }
    assert urgent.bindings[0].arguments == {"x-match": "any", "task": "tasks.taskA", "urgent": True}
    audit_log = topology.queue("audit_log")
    assert audit_log is not None and audit_log.arguments == {"x-max-age": "604800s", "x-max-length-bytes": 10**9}
    audit = topology.exchange("audit")
    assert audit is not None and audit.internal
    assert [(b.exchange, b.routing_key) for b in audit.bindings] == [("events", "#.audit"), ("events", "billing.#")]
    events = topology.exchange("events")
    assert events is not None and events.alternate_exchange == "unrouted"
    assert [r.kind.value for r in topology.routes] == ["exact", "exact", "regex"]


def test_every_setting_knows_the_line_it_was_written_on() -> None:
    topology = load(FULL, environ={}).topology
    urgent = topology.queue("urgent")
    assert urgent is not None
    assert urgent.origins["x-max-priority"].line == 22
    assert urgent.bindings[0].origin is not None and urgent.bindings[0].origin.line == 26
    assert [b.origin.line for b in urgent.bindings if b.origin] == [26]
    reports = topology.queue("reports")
    line = FULL.read_text().splitlines()[19]
    assert reports is not None and [(b.origin.line, b.origin.column) for b in reports.bindings if b.origin] == [
        (20, line.index("report.*") + 1),
        (20, line.index("report.#.urgent") + 1),
    ]


def test_interpolation_takes_the_environment_then_the_default_and_reads_numbers_as_numbers() -> None:
    text = (
        "queues:\n  q:\n    message_ttl: ${TTL:-30s}\n    max_length: ${MAX:-100}\n"
        "    arguments: {x-note: cost $$5}\ndefault_queue: q\n"
    )
    from_default = check_text(text, environ={}).topology.queue("q")
    from_env = check_text(text, environ={"TTL": "2m", "MAX": "7"}).topology.queue("q")
    assert from_default is not None and from_env is not None
    assert (from_default.arguments["x-message-ttl"], from_default.arguments["x-max-length"]) == (30_000, 100)
    assert (from_env.arguments["x-message-ttl"], from_env.arguments["x-max-length"]) == (120_000, 7)
    assert from_env.arguments["x-note"] == "cost $5"


def test_celery_gets_regex_routes_priorities_cron_and_quorum_arguments() -> None:
    topology = load(FULL, environ={}).topology
    settings = celery_settings(topology, broker_url="memory://")
    regex_keys = [key for key in settings["task_routes"] if isinstance(key, re.Pattern)]
    assert [key.pattern for key in regex_keys] == [r"tasks\.(add|sum)$"]
    assert settings["task_routes"]["tasks.taskA"]["priority"] == 5
    nightly = settings["beat_schedule"]["nightly_report"]
    assert isinstance(nightly["schedule"], crontab) and nightly["schedule"].hour == {3}
    assert nightly["options"] == {"expires": 3600.0}
    assert settings["beat_schedule"]["tick"]["schedule"] == timedelta(seconds=30)
    queues = {q.name: q for q in settings["task_queues"]}
    assert "x-queue-type" not in (queues["reports"].queue_arguments or {})  # the worker learns it otherwise
    assert settings["topology_queues"]["reports"]["type"] == "quorum"
    assert settings["worker_consumer"] == "topology.celery_adapter.worker:TopologyConsumer"


@pytest.mark.parametrize("name", ["tasks.add", "tasks.sum", "tasks.sum.more", "tasks.taskA", "other.add"])
def test_regex_routes_pick_what_celerys_router_picks(name: str) -> None:
    topology = load(FULL, environ={}).topology
    app = configure(Celery("check", set_as_current=False), topology, broker_url="memory://")
    from topology.celery_adapter.precedence import sent_to
    from topology.routing import route_destination, route_for

    assert sent_to(app, name) == route_destination(topology, route_for(topology, name), name)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("500ms", 0.5), ("30s", 30), ("5m", 300), ("1h30m", 5400), ("7d", 604800), ("1.5h", 5400)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(("text", "size"), [("10MB", 10**7), ("1GiB", 2**30), ("512KiB", 524288), ("42", 42)])
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_every_existing_file_is_still_valid() -> None:
    for path in (ROOT / "routing.yaml", FULL):
        assert load(path, environ={}).topology.queues


def test_the_json_schema_accepts_the_shipped_files_and_rejects_a_typo(tmp_path: Path) -> None:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for path in (ROOT / "routing.yaml", FULL):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"queues": {"q": {"durabel": True}}, "default_queue": "q"}, schema)
    assert ExchangeType.CONSISTENT_HASH.value in schema["$defs"]["ExchangeDoc"]["properties"]["type"]["enum"]


def test_the_committed_schema_file_is_the_generated_one() -> None:
    """routing.schema.json is what editors read (see the first line of routing.yaml); it must not go stale."""
    committed = (ROOT / "routing.schema.json").read_text()
    assert committed == json.dumps(json_schema(), indent=2) + "\n", (
        "run: python -m topology schema > routing.schema.json"
    )

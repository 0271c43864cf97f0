"""What RabbitMQ of the target series refuses or changes for a Celery app as it stands (`version_hazards`):
named from the queues the installed Celery builds for the app and the prefetch its worker asks, by series.
The series' behaviour itself is checked against brokers of each series in tests/live/test_broker_rules.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from kombu.transport import pyamqp

from tests.conftest import ROOT, SEED
from tests.stock_celery import legacy_app
from tests.unit.test_app_routes import CONFIGURED, app_module
from topology.celery_adapter.config import configure
from topology.celery_adapter.hazards import HazardKind, version_hazards, versions, worker_asks_global_qos
from topology.checks.versions import SUPPORTED
from topology.commands.validate import check
from topology.language.loader import load_topology, parse_topology

URL = "amqp://guest:guest@localhost:5672//"
pytestmark = pytest.mark.filterwarnings("ignore::celery.exceptions.DuplicateTaskNameWarning")


def test_the_app_configured_from_the_file_meets_none_with_these_celery_and_kombu_releases() -> None:
    app = configure(Celery("c", set_as_current=False), load_topology(ROOT / "routing.yaml"), URL)
    assert all(version_hazards(app, rules) == () for rules in SUPPORTED.values())


def test_an_app_as_older_releases_make_it_meets_each_on_rabbitmq_4() -> None:
    app = legacy_app(URL)
    assert version_hazards(app, SUPPORTED["3.10"]) == ()
    for series in ("4.0", "4.3"):
        found = {(h.kind, h.subject, h.avoided_by_configure) for h in version_hazards(app, SUPPORTED[series])}
        assert found == {
            (HazardKind.TRANSIENT_QUEUE, "task queue 'jobs'", True),
            (HazardKind.TRANSIENT_QUEUE, "remote control's node queue (each worker's)", False),
            (HazardKind.TRANSIENT_QUEUE, "remote control's reply queue (celery inspect, app.control)", False),
            (HazardKind.TRANSIENT_QUEUE, "an event receiver's queue (celery events, Flower)", False),
            (HazardKind.DELIVERY_LIMIT, "task queue 'orders'", True),
        }
    reply = next(h for h in version_hazards(app, SUPPORTED["4.3"]) if "reply" in h.subject)
    assert reply.message.startswith(f"RabbitMQ 4.3, with {versions()}: remote control's reply queue")
    assert "set control_queue_exclusive = True" in reply.message


def test_a_worker_asking_a_global_prefetch_is_named_where_rabbitmq_ignores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """kombu 5.7 asks per-consumer prefetch of RabbitMQ 4; earlier releases asked a global one of any 3.3+:
    their rule stands in for them here."""
    app = configure(Celery("c", set_as_current=False), load_topology(ROOT / "routing.yaml"), URL)
    assert [worker_asks_global_qos(app, f"{s}.0") for s in SUPPORTED] == [True, False, False]

    def before_rabbitmq_4(self: Any, connection: Any) -> bool:
        return tuple(int(n) for n in connection.server_properties["version"].split(".")[:2]) < (3, 3)

    monkeypatch.setattr(pyamqp.Transport, "qos_semantics_matches_spec", before_rabbitmq_4)
    assert [h.kind for h in version_hazards(app, SUPPORTED["4.3"])] == [HazardKind.GLOBAL_QOS]
    assert version_hazards(app, SUPPORTED["4.0"]) == ()  # 4.0 still honours it
    quorum = parse_topology(SEED.replace("default:    {bindings", "default:    {type: quorum, bindings"))
    with_quorum = configure(Celery("q", set_as_current=False), quorum, URL)
    assert version_hazards(with_quorum, SUPPORTED["4.3"]) == ()  # the worker asks per consumer with a quorum queue


def test_validate_with_the_app_names_them_for_the_files_series(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    transient = "app.conf.control_queue_exclusive = False"
    app = app_module(tmp_path, monkeypatch, CONFIGURED.replace("{extra}", transient))
    routing = tmp_path / "routing.yaml"
    for series, named in (("3.10", False), ("4.3", True)):
        routing.write_text(routing.read_text().split("rabbitmq:")[0] + f'rabbitmq: "{series}"\n')
        warnings = [str(w) for w in check("routing.yaml", app).loaded.warnings]
        assert (
            any(w.startswith(f"warning: RabbitMQ {series}, with {versions()}: remote control") for w in warnings)
            is named
        )

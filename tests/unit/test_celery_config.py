"""The Celery settings built from routing.yaml: kombu objects, explicit routes, beat, reliability flags."""

from __future__ import annotations

from datetime import timedelta

import kombu
import pytest

from tests.conftest import ROOT
from topology.broker.settings import resolve_settings
from topology.celery_adapter.config import celery_settings
from topology.celery_adapter.transport import celery_transport
from topology.language.loader import load_topology, parse_topology


def test_seed_settings() -> None:
    settings = celery_settings(load_topology(ROOT / "routing.yaml"), broker_url="amqp://h//", result_backend="rpc://")
    queues = {q.name: q for q in settings["task_queues"]}
    assert set(queues) == {"default", "for_task_A", "for_task_B"}
    queue = queues["for_task_A"]
    assert isinstance(queue, kombu.Queue) and queue.durable
    assert (queue.exchange.name, queue.exchange.type, queue.routing_key) == ("for_task_A", "direct", "for_task_A")
    assert queue.exchange.delivery_mode == kombu.Exchange.PERSISTENT_DELIVERY_MODE
    assert queue.no_declare and queue.exchange.no_declare  # only `apply` declares
    # a route names only its queue, as a stock app's do, so that a caller's queue= replaces it whole; no catch-all:
    # task_default_queue takes the tasks no route matches, and the app publishes through the queues' bindings
    assert settings["task_routes"] == {"tasks.taskA": {"queue": "for_task_A"}, "tasks.taskB": {"queue": "for_task_B"}}
    assert (settings["task_default_queue"], settings["task_default_exchange"]) == ("default", "default")
    assert settings["task_create_missing_queues"] is False
    assert settings["task_acks_late"] and settings["task_reject_on_worker_lost"]
    assert settings["beat_schedule"]["add_schedule"] == {
        "task": "tasks.add",
        "schedule": timedelta(seconds=10),
        "args": (1, 2),
        "kwargs": {},
        "options": {},
    }


def test_queue_with_several_bindings_keeps_them_all() -> None:
    topology = parse_topology(
        """\
exchanges: {e: {type: topic}, f: {type: fanout}}
queues:
  q: {bindings: [{exchange: e, routing_key: "a.#"}, {exchange: f}], durable: false}
default_queue: q
"""
    )
    (queue,) = celery_settings(topology, broker_url="amqp://h//")["task_queues"]
    assert not queue.durable
    assert {(b.exchange.name, b.routing_key) for b in queue.bindings} == {("e", "a.#"), ("f", "")}


def test_result_backend_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    topology = load_topology(ROOT / "routing.yaml")
    monkeypatch.delenv("CELERY_RESULT_BACKEND", raising=False)
    assert celery_settings(topology)["result_backend"] == "rpc://"
    monkeypatch.setenv("CELERY_RESULT_BACKEND", "redis://127.0.0.1:6379/0")
    assert celery_settings(topology)["result_backend"] == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize("url", ["amqp://guest@rabbit//", "amqps://guest@rabbit//", "pyamqp://guest@rabbit//"])
def test_the_transport_named_is_the_one_kombu_picks_for_the_url(url: str) -> None:
    """`celery_transport` asks kombu's own rule without building a Connection: it must agree with one."""
    expected = type(kombu.Connection(url).transport).__module__
    assert celery_transport(resolve_settings(url)).module == expected

"""Broadcast queues (kombu's Broadcast) as a queue kind of routing.yaml, and beat's `relative`: what the file
says, what validate proves, what Celery is given, and what apply, export and plan leave to the workers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.schedules import schedule
from kombu.common import Broadcast

from topology.celery_adapter.config import celery_settings
from topology.errors import InvalidTopology
from topology.language.loader import check_text, parse_topology
from topology.language.writer import topology_yaml
from topology.picture.graph import BROADCAST_NOTE, build
from topology.planning.export import definitions
from topology.planning.plan import wanted
from topology.routing import deliver, route_destination, route_for, task_message

BROADCASTING = """
exchanges:
  jobs: {type: direct}
  reload: {type: fanout}
queues:
  work: {bindings: [{exchange: jobs, routing_key: work}]}
  reload_all: {broadcast: true, bindings: [{exchange: reload}]}
routes:
  app.reload: reload_all
default_queue: work
schedule:
  tick: {task: app.reload, every: 5m, relative: true}
"""


def test_a_route_to_a_broadcast_queue_is_proven_and_lands_in_it() -> None:
    loaded = check_text(BROADCASTING, "routing.yaml", environ={})
    topology = loaded.topology
    destination = route_destination(topology, route_for(topology, "app.reload"))
    assert destination is not None and destination.exchange == "reload"
    assert deliver(topology, "reload", task_message(destination, "app.reload")).queues == ("reload_all",)
    assert not [w for w in loaded.warnings if "reload_all" in w.message]


def test_apply_export_and_plan_leave_a_broadcast_queue_to_its_workers() -> None:
    topology = parse_topology(BROADCASTING)
    wants = wanted(topology)
    assert "reload_all" not in wants.queues and "work" in wants.queues
    assert all(binding.destination != "reload_all" for binding in wants.bindings)
    exported = definitions(topology, "/")
    assert [q["name"] for q in exported["queues"] if not q["name"].startswith("topology.")] == ["work"]
    assert all(b["destination"] != "reload_all" for b in exported["bindings"])
    assert "reload" in {e["name"] for e in exported["exchanges"]}  # the exchange is the file's to declare
    dead_letters = next(p for p in topology.policies if "dead-letter-exchange" in p.definition)
    assert "reload_all" not in dead_letters.pattern  # a worker's exclusive queue dead-letters nothing


def test_celery_gets_a_kombu_broadcast_each_worker_declares_exclusive() -> None:
    settings = celery_settings(parse_topology(BROADCASTING), broker_url="amqp://localhost//")
    broadcast = next(q for q in settings["task_queues"] if isinstance(q, Broadcast))
    assert broadcast.alias == "reload_all" and broadcast.name.startswith("reload_all.")
    assert broadcast.exclusive and not broadcast.durable and not broadcast.no_declare
    assert broadcast.exchange.name == "reload" and broadcast.exchange.no_declare  # apply declares the exchange
    entry = settings["beat_schedule"]["tick"]["schedule"]
    assert isinstance(entry, schedule) and entry.relative and entry.run_every == timedelta(minutes=5)


def test_the_graph_draws_a_broadcast_queue_as_one_per_worker() -> None:
    graph = build(parse_topology(BROADCASTING), ["app.reload"])
    node = next(n for n in graph.nodes if n.name == "reload_all")
    assert BROADCAST_NOTE in node.notes


def test_written_back_a_broadcast_queue_and_relative_read_the_same() -> None:
    topology = parse_topology(BROADCASTING)
    again = parse_topology(topology_yaml(topology))
    assert again.queue("reload_all") == topology.queue("reload_all")
    assert again.schedule[0].relative


@pytest.mark.parametrize(
    ("queue", "message"),
    [
        ("{broadcast: true}", "bind it to an exchange"),
        ("{broadcast: true, type: quorum, bindings: [{exchange: reload}]}", "type cannot be set"),
        ("{broadcast: true, max_priority: 5, bindings: [{exchange: reload}]}", "max_priority cannot be set"),
    ],
)
def test_a_broadcast_queue_takes_no_settings_of_a_declared_queue(queue: str, message: str) -> None:
    text = BROADCASTING.replace("{broadcast: true, bindings: [{exchange: reload}]}", queue)
    with pytest.raises(InvalidTopology) as raised:
        check_text(text, "routing.yaml", environ={})
    assert any(message in p.message for p in raised.value.problems), raised.value.problems


def test_relative_goes_with_every_only() -> None:
    text = BROADCASTING.replace("every: 5m, relative: true", 'cron: "*/5 * * * *", relative: true')
    with pytest.raises(InvalidTopology) as raised:
        check_text(text, "routing.yaml", environ={})
    assert any("relative rounds an `every` interval" in p.message for p in raised.value.problems)

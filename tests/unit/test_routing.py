"""Route resolution agrees with Celery's own router; AMQP matching follows the spec."""

from __future__ import annotations

import pytest
from celery import Celery

from topology.celery_adapter.config import configure
from topology.celery_adapter.precedence import sent_to
from topology.language.loader import parse_topology
from topology.routing import Message, deliver, route_destination, route_for, tasks_by_queue, topic_matches

TOPOLOGY = parse_topology(
    """\
exchanges:
  default: {type: direct}
  events:  {type: topic}
  fan:     {type: fanout}
queues:
  default: {bindings: [{exchange: default, routing_key: default}]}
  reports: {bindings: [{exchange: events, routing_key: "report.*"}]}
  audit:   {bindings: [{exchange: events, routing_key: "#"}, {exchange: fan}]}
  mail:    {bindings: [{exchange: fan}]}
routes:
  tasks.*.urgent: reports
  tasks.report.weekly: {exchange: events, routing_key: report.weekly}
  tasks.report.*: audit
  tasks.broadcast: {exchange: fan}
default_queue: default
schedule:
  nightly: {task: tasks.cleanup, every: 60}
"""
)

NAMES = ["tasks.report.weekly", "tasks.report.daily", "tasks.x.urgent", "tasks.broadcast", "tasks.add", "other"]


@pytest.mark.parametrize("name", NAMES)
def test_route_lookup_matches_celerys_router(name: str) -> None:
    app = configure(Celery("check", set_as_current=False), TOPOLOGY, broker_url="memory://")
    assert sent_to(app, name) == route_destination(TOPOLOGY, route_for(TOPOLOGY, name), name)


def test_exact_names_win_over_globs_and_globs_go_in_file_order() -> None:
    assert route_for(TOPOLOGY, "tasks.report.weekly") == TOPOLOGY.routes[1]  # exact, though a glob comes first
    assert route_for(TOPOLOGY, "tasks.report.urgent") == TOPOLOGY.routes[0]  # first glob that matches
    assert route_for(TOPOLOGY, "tasks.add") is None


@pytest.mark.parametrize(
    ("pattern", "key", "expected"),
    [
        ("report.*", "report.weekly", True),
        ("report.*", "report.weekly.pdf", False),
        ("report.*", "report", False),
        ("report.#", "report", True),
        ("report.#", "report.a.b", True),
        ("#", "", True),
        ("#.pdf", "report.weekly.pdf", True),
        ("*.weekly.#", "report.weekly", True),
        ("a.*.c", "a..c", True),
        ("a.b", "a.b.c", False),
    ],
)
def test_topic_matching(pattern: str, key: str, expected: bool) -> None:
    assert topic_matches(pattern, key) is expected


def test_queues_reached_by_each_kind_of_exchange() -> None:
    weekly = route_destination(TOPOLOGY, TOPOLOGY.routes[1])
    broadcast = route_destination(TOPOLOGY, TOPOLOGY.routes[3])
    assert weekly is not None and broadcast is not None
    assert deliver(TOPOLOGY, weekly.exchange, Message(weekly.routing_key)).queues == ("reports", "audit")
    assert deliver(TOPOLOGY, broadcast.exchange, Message(broadcast.routing_key)).queues == ("audit", "mail")


def test_tasks_by_queue_names_what_lands_where() -> None:
    routed = tasks_by_queue(TOPOLOGY)
    assert routed["default"] == ["tasks.cleanup"]
    assert routed["reports"] == ["tasks.*.urgent", "tasks.report.weekly"]
    assert routed["mail"] == ["tasks.broadcast"]

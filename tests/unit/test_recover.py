"""Kept tasks as users see them, where a replay sends them, and what inspect says while they wait. Pure:
the messages are as basic.get returns them (the live tests in tests/live/test_recover.py read real ones)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from topology.broker.recover import Read
from topology.commands.inspect import inspect_topology
from topology.commands.recover import destination
from topology.language.loader import parse_topology
from topology.model import Destination
from topology.planning.kept import KeptTask, kept_task, matches, replay_headers
from topology.planning.observed import LiveState
from topology.testing.fake_session import FakeSession

FILE = """\
exchanges:
  jobs: {type: direct}
queues:
  work: {bindings: [{exchange: jobs, routing_key: work}]}
routes:
  tasks.run: work
default_queue: work
"""
TOPOLOGY = parse_topology(FILE)
WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
DEATH = {"count": 2, "reason": "rejected", "queue": "work", "time": WHEN, "exchange": "jobs", "routing-keys": ["work"]}


def celery_headers(task: str, task_id: str, **more: object) -> dict[str, object]:
    return {"lang": "py", "task": task, "id": task_id, "argsrepr": "(1, 2)", "kwargsrepr": "{}", **more}


def test_a_dead_lettered_task_reads_with_its_first_destination_and_its_latest_death() -> None:
    older = {**DEATH, "count": 1, "reason": "expired", "queue": "first", "exchange": "front", "routing-keys": ["a"]}
    headers = celery_headers("tasks.run", "id-1", **{"x-death": [DEATH, older], "x-delivery-count": 3})
    kept = kept_task("topology.dead-letters", "work", headers, b"[]", "application/json")
    assert kept == KeptTask("tasks.run", "id-1", "(1, 2)", "front", "a", "rejected", "work", WHEN, 3, 3)


def test_an_unroutable_task_reads_with_the_exchange_and_key_it_was_published_with() -> None:
    body = json.dumps([[1, "two"], {"k": 3}, {}]).encode()  # no argsrepr: the JSON body's arguments
    kept = kept_task("jobs", "nowhere", {"task": "tasks.lost", "id": "id-2"}, body, "application/json")
    assert (kept.task, kept.arguments, kept.exchange, kept.routing_key, kept.reason) == (
        "tasks.lost",
        "(1, 'two') {'k': 3}",
        "jobs",
        "nowhere",
        "unroutable",
    )
    assert kept.time is None and kept.deaths == 0
    stranger = kept_task("jobs", "k", None, b"x" * 500, None)
    assert (stranger.task, stranger.arguments) == (None, "<500 bytes of unknown type>")
    long = kept_task("jobs", "k", celery_headers("t", "i", argsrepr="x" * 100), b"", None).arguments
    assert len(long) == 60 and long.endswith("...")


def test_a_replay_drops_rabbitmq_s_death_record_but_keeps_the_task_s_own_headers() -> None:
    headers = celery_headers("t", "i", **{"x-death": [DEATH], "x-first-death-queue": "work", "x-delivery-count": 1})
    assert replay_headers(headers) == celery_headers("t", "i")


def test_replay_sends_by_the_current_route_and_keeps_what_is_not_a_task() -> None:
    run = kept_task("topology.dead-letters", "x", celery_headers("tasks.run", "a"), b"", None)
    assert destination(TOPOLOGY, run) == Destination("jobs", "work")  # where it was dead-lettered from is moot
    unrouted = kept_task("jobs", "nowhere", celery_headers("tasks.other", "b"), b"", None)
    assert destination(TOPOLOGY, unrouted) == Destination("jobs", "work")  # the default queue, as Celery's router
    not_a_task = destination(TOPOLOGY, kept_task("jobs", "k", {}, b"", None))
    assert not_a_task == "not a Celery task message (no task header)"
    assert matches(run, [], []) and matches(run, ["tasks.run"], []) and matches(run, [], ["a"])
    assert not matches(run, ["tasks.lost"], ["b"])


def test_inspect_counts_waiting_tasks_as_findings_and_names_them() -> None:
    kept = [kept_task("jobs", "nowhere", celery_headers(name, str(i)), b"", None) for i, name in enumerate("aab")]
    session = FakeSession(
        LiveState("v", {}, {}, frozenset()), counted={"work": (0, 1), "topology.unroutable": (1500, 0)}
    )
    session.kept_in["topology.unroutable"] = Read(tuple(kept), 1500)
    report = inspect_topology(TOPOLOGY, session)
    [finding] = [f for f in report.findings if f.code == "unroutable_tasks"]
    assert finding.message == (
        "1500 tasks could not be routed and wait in queue 'topology.unroutable': a (2), b; "
        "`python -m topology dead-letters --unroutable` lists them, `python -m topology replay --unroutable` "
        "sends them again"
    )
    assert finding.severity.value == "error"  # exit 1 while any wait
    session.counted["topology.unroutable"] = (0, 0)
    assert "unroutable_tasks" not in {f.code for f in inspect_topology(TOPOLOGY, session).findings}

"""Poison tasks and delayed tasks, the pure part: the verdict a worker reaches on each delivery, the count a
re-published copy carries, how a kept task shows it, and the settings that keep Celery's client away from
its `celery_delayed_*` exchanges while the worker still knows its quorum queues."""

from __future__ import annotations

import textwrap
from types import SimpleNamespace

import pytest
from celery import Celery
from celery.utils.quorum_queues import detect_quorum_queues
from hypothesis import given
from hypothesis import strategies as st

from topology.celery_adapter.config import celery_settings, configure
from topology.celery_adapter.worker import QuorumAwareTasks, TopologyConsumer, _seconds
from topology.errors import InvalidTopology
from topology.language.loader import parse_topology
from topology.planning.kept import kept_task, replay_headers
from topology.planning.poison import (
    DELIVERY_COUNT,
    RUNS_HEADER,
    Verdict,
    counted_headers,
    judge,
    published_to,
)

FILE = """\
exchanges:
  work: {type: topic}
queues:
  jobs: {bindings: [{exchange: work, routing_key: "jobs.#"}]}
  reports: {type: quorum, max_runs: 5, bindings: [{exchange: work, routing_key: "reports.#"}]}
  log: {type: stream, bindings: [{exchange: work, routing_key: "log.#"}]}
routes:
  "tasks.*": {exchange: work, routing_key: reports.daily}
default_queue: jobs
"""


def deliveries_until_dead_lettered(max_runs: int, quorum: bool) -> int:
    """Deliver a task that kills its worker each time, as the broker and the worker would, counting runs."""
    headers: dict[str, object] = {}
    redelivered, runs = False, 0
    while True:
        judgement = judge(redelivered, headers, max_runs)
        if judgement.verdict is Verdict.DEAD_LETTER:
            return runs
        if judgement.verdict is Verdict.COUNT:  # a fresh copy, counted, at the queue's tail
            headers, redelivered = counted_headers(headers, judgement.failed, "work", "jobs.run"), False
            continue
        runs += 1  # the run kills the worker: Celery rejects it with requeue
        redelivered = True
        if quorum:
            headers = {**headers, DELIVERY_COUNT: int(headers.get(DELIVERY_COUNT, 0)) + 1}  # type: ignore[call-overload]


@given(st.integers(min_value=1, max_value=30), st.booleans())
def test_a_task_killing_its_worker_runs_exactly_max_runs_times_on_either_queue_type(
    max_runs: int, quorum: bool
) -> None:
    assert deliveries_until_dead_lettered(max_runs, quorum) == max_runs


def test_a_first_delivery_runs_and_a_classic_redelivery_is_counted_on_a_copy() -> None:
    assert judge(False, None, 3).verdict is Verdict.RUN
    assert judge(True, {}, 3) == judge(True, {RUNS_HEADER: 0}, 3)
    assert (judge(True, {}, 3).verdict, judge(True, {}, 3).failed) == (Verdict.COUNT, 1)
    assert judge(True, {RUNS_HEADER: 2}, 3).verdict is Verdict.DEAD_LETTER
    assert judge(False, {RUNS_HEADER: 2}, 3).verdict is Verdict.RUN  # the copy itself runs
    assert judge(True, {RUNS_HEADER: "2"}, 3).verdict is Verdict.COUNT  # not a count: as if never counted


def test_a_quorum_queues_own_count_decides_and_no_copy_is_made() -> None:
    assert judge(True, {DELIVERY_COUNT: 2}, 3).verdict is Verdict.RUN
    assert judge(True, {DELIVERY_COUNT: 3}, 3).verdict is Verdict.DEAD_LETTER


def test_a_copy_keeps_where_the_task_was_first_published_and_a_kept_copy_shows_it() -> None:
    first = counted_headers({"task": "t", "id": "i"}, 1, "work", "jobs.run")
    again = counted_headers(first, 2, "", "jobs")  # the copy was delivered through the default exchange
    assert published_to(again) == ("work", "jobs.run") and again[RUNS_HEADER] == 2
    death = {"reason": "rejected", "queue": "jobs", "exchange": "", "routing-keys": ["jobs"], "count": 1}
    kept = kept_task("topology.dead-letters", "jobs", {**again, "x-death": [death]}, b"[]", "application/json")
    assert (kept.exchange, kept.routing_key, kept.reason, kept.deliveries) == ("work", "jobs.run", "rejected", 3)
    assert replay_headers({**again, "x-death": [death]}) == {"task": "t", "id": "i"}  # replayed: counted afresh


def test_max_runs_is_the_files_default_unless_a_queue_sets_its_own_and_streams_have_none() -> None:
    settings = celery_settings(parse_topology(FILE), broker_url="amqp://h//")
    assert settings["topology_queues"] == {
        "jobs": {"type": "classic", "max_runs": 3},
        "reports": {"type": "quorum", "max_runs": 5},
        "log": {"type": "stream"},
    }
    everywhere = celery_settings(parse_topology(FILE + "max_runs: 7\n"), broker_url="amqp://h//")
    assert everywhere["topology_queues"]["jobs"]["max_runs"] == 7
    assert everywhere["topology_queues"]["reports"]["max_runs"] == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (FILE.replace("type: stream,", "type: stream, max_runs: 2,"), "a stream never redelivers"),
        (FILE + "max_runs: 0\n", "max_runs"),
        (FILE.replace("max_runs: 5", "max_runs: 0"), "max_runs"),
    ],
)
def test_a_max_runs_that_cannot_hold_is_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidTopology) as caught:
        parse_topology(textwrap.dedent(text))
    assert message in str(caught.value)


def test_celerys_client_sees_no_quorum_queue_so_never_sends_through_celery_delayed_exchanges() -> None:
    app = configure(Celery("client", set_as_current=False), parse_topology(FILE), broker_url="amqp://h//")
    assert detect_quorum_queues(app, "amqp") == (False, "")  # `Celery.send_task` asks exactly this


@pytest.mark.parametrize(("text", "global_qos"), [(FILE, False), (FILE.replace("type: quorum, ", ""), True)])
def test_the_worker_uses_per_consumer_prefetch_exactly_when_the_file_has_a_quorum_queue(
    text: str, global_qos: bool
) -> None:
    app = configure(Celery("worker", set_as_current=False), parse_topology(text), broker_url="amqp://h//")
    amqp = SimpleNamespace(driver_type="amqp")
    consumer = SimpleNamespace(app=app, connection=SimpleNamespace(qos_semantics_matches_spec=False, transport=amqp))
    assert QuorumAwareTasks.qos_global(QuorumAwareTasks.__new__(QuorumAwareTasks), consumer) is global_qos


def test_the_worker_replaces_celerys_task_step_without_running_it_twice() -> None:
    blueprint = TopologyConsumer.Blueprint()
    steps = blueprint.steps = blueprint.claim_steps()
    order = [f"{s.__module__}:{s.__name__}" for s in blueprint._finalize_steps(steps)]
    assert "topology.celery_adapter.worker:QuorumAwareTasks" in order
    assert not [s for s in order if s.startswith(("celery.worker.consumer.tasks:", "celery.worker.consumer.delayed"))]
    assert not [s for s in order if s.startswith("celery.worker.consumer.control:")]


@pytest.mark.parametrize("milliseconds", ["1", "59999", "600000", "1234567"])
def test_a_copy_keeps_the_tasks_message_ttl_to_the_millisecond(milliseconds: str) -> None:
    seconds = _seconds(milliseconds)
    assert seconds is not None and str(int(seconds * 1000)) == milliseconds  # what kombu puts on the wire
    assert _seconds(None) is None

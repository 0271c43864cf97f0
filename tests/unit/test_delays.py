"""The delay ladder as the file declares it and as a client publishes into it, and consumer_timeout in the file."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from celery import Celery

from topology.celery_adapter.config import configure
from topology.celery_adapter.delays import delay_of, into_ladder
from topology.celery_adapter.hazards import consumer_timeout_problems
from topology.errors import InvalidTopology
from topology.language.loader import parse_topology
from topology.model import DELAY_EXCHANGE_HEADER, DELAY_QUEUE_HEADER, Delays

FILE = """\
exchanges:
  work: {type: topic}
queues:
  jobs: {bindings: [{exchange: work, routing_key: "jobs.#"}]}
  slow: {type: quorum, consumer_timeout: 10m}
routes:
  "t.*": {exchange: work, routing_key: jobs.run}
  t.slow: slow
default_queue: jobs
"""


def test_the_ladder_is_declared_by_apply_only_and_each_level_hands_on_to_the_one_below() -> None:
    topology = parse_topology(FILE)
    assert topology.exchange("topology.delay.0") is None  # not among the file's objects (routes, graph, kombu)
    broker = topology.on_broker
    delays = topology.nets.delays
    assert delays is not None and delays.levels == 23
    for k in range(delays.levels):
        queue = broker.queue(f"topology.delay.{k}")
        exchange = broker.exchange(f"topology.delay.{k}")
        assert queue is not None and exchange is not None
        below = "topology.delay.delivery" if k == 0 else f"topology.delay.{k - 1}"
        assert queue.arguments == {"x-message-ttl": 1000 * 2**k, "x-dead-letter-exchange": below}
        assert exchange.alternate_exchange == below
    work = broker.exchange("work")
    assert work is not None and [(b.exchange, b.arguments[DELAY_EXCHANGE_HEADER]) for b in work.bindings] == [
        ("topology.delay.delivery", "work")
    ]
    # the delivery exchange keeps what it cannot place: the unroutable net's policy names it
    netted = [p for p in topology.policies if p.name == "topology.unroutable"]
    assert netted and "topology\\.delay\\.delivery" in netted[0].pattern
    assert broker.on_broker is broker  # the ladder is added once


def test_a_delay_waits_in_the_levels_of_its_bits_and_rounds_up_to_whole_seconds() -> None:
    delays = Delays()
    assert delays.bits(6) == (2, 1) and delays.bits(1) == (0,) and delays.longest == 2**23 - 1
    soon = {"eta": (datetime.now(timezone.utc) + timedelta(seconds=0.2)).isoformat()}
    later = {"eta": (datetime.now(timezone.utc) + timedelta(seconds=5.2)).isoformat()}
    assert delay_of(delays, soon) is None and delay_of(delays, later) == 6
    headers: dict[str, Any] = {**later, "topology-delay-9": "1"}  # a mark left by an earlier round is cleared
    properties: dict[str, Any] = {"expiration": "3000"}
    assert into_ladder(delays, 6, headers, properties, "", "jobs") == "topology.delay.2"
    marks = {k: v for k, v in headers.items() if k.startswith("topology-delay-")}
    assert marks == {"topology-delay-2": "1", "topology-delay-1": "1", DELAY_QUEUE_HEADER: "jobs"}
    assert "expiration" not in properties and properties["timestamp"] > datetime.now(timezone.utc).timestamp()


def test_delays_false_declares_no_ladder_and_a_bad_prefix_is_refused_at_its_line() -> None:
    assert parse_topology(FILE + "delays: false\n").on_broker.exchange("topology.delay.delivery") is None
    custom = parse_topology(FILE + "delays: {prefix: team.wait, levels: 4}\n").on_broker
    assert custom.queue("team.wait.3") is not None and custom.queue("team.wait.4") is None
    with pytest.raises(InvalidTopology) as refused:
        parse_topology(FILE + "delays: {prefix: amq.wait, levels: 24}\n")
    said = str(refused.value)
    assert "routing.yaml:10:9: 'prefix': RabbitMQ reserves names starting with 'amq.'" in said
    assert "routing.yaml:10:9: 'levels': input should be less than or equal to 23, got 24" in said


def test_a_time_limit_past_its_queue_s_consumer_timeout_is_a_warning() -> None:
    app = configure(Celery("limits", set_as_current=False), parse_topology(FILE))

    @app.task(name="t.slow", time_limit=3600, shared=False)  # type: ignore[untyped-decorator]
    def slow() -> None: ...

    @app.task(name="t.quick", soft_time_limit=60, shared=False)  # type: ignore[untyped-decorator]
    def quick() -> None: ...

    (problem,) = consumer_timeout_problems(app)
    assert "task 't.slow': its time_limit (3600 s) exceeds its consumer_timeout on queue 'slow' (600 s)" in (
        problem.message
    )
    app.close()

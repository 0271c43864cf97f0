"""send_many on a real RabbitMQ: what arrives, in which queue, what is refused, and real workers running it.

The client app is configured from a test routing.yaml by the project's own `configure`, with the task
functions registered as a client registers them; workers are real `celery -A tasks worker` processes.
Refusals are made by the broker itself: a queue with max_length and reject-publish nacks once full, a
binding removed mid-batch makes the next tasks unroutable: kept in the unroutable net (the default), or,
in a file without the nets, returned (every publish is mandatory) and reported.
"""

from __future__ import annotations

import json
import time
import urllib.request
from base64 import b64encode
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pika
import pytest
from celery import Celery
from celery.signals import before_task_publish

from tests.conftest import OWNED, SEED, WITHOUT_NETS
from tests.live.conftest import Broker, wait_until
from topology import send_many
from topology.celery_adapter.bulk import BulkSendError, iter_send_many
from topology.celery_adapter.config import configure
from topology.language.loader import load_topology
from topology.model import UNROUTABLE_NET

SMALL = 3
ROUTING = SEED.replace(
    "for_task_B: {bindings: [{exchange: for_task_B, routing_key: for_task_B}]}",
    f"for_task_B: {{max_length: {SMALL}, overflow: reject-publish, "
    "bindings: [{exchange: for_task_B, routing_key: for_task_B}]}",
)
PER_MESSAGE = {"id", "root_id", "argsrepr", "kwargsrepr"}  # what differs between two calls (origin: same process)


def task_a(x: int, y: int) -> int:
    return x * y


def task_b(x: int, y: int, z: int) -> int:
    return x + y + z


def add(x: int, y: int) -> int:
    return x + y


@pytest.fixture
def routing(broker: Broker, request: pytest.FixtureRequest) -> Path:
    """ROUTING applied, with the nets; a test parametrized indirectly with WITHOUT_NETS gets it without."""
    assert "max_length" in ROUTING
    path = broker.write(ROUTING + getattr(request, "param", ""))
    applied = broker.cli("apply", file=path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    return path


@pytest.fixture
def client(broker: Broker, routing: Path) -> Iterator[Celery]:
    """The app a client of `tasks` has: configured from routing.yaml, with the tasks it sends registered."""
    app = configure(Celery("client", set_as_current=False), load_topology(routing), broker_url=broker.url)
    for name, function in {"tasks.taskA": task_a, "tasks.taskB": task_b, "tasks.add": add}.items():
        app.task(name=name, shared=False)(function)
    yield app
    app.close()


def drain(broker: Broker, queue: str) -> list[tuple[Any, Any, bytes]]:
    """Every message in `queue` (method, properties, body), taken off it."""
    messages: list[tuple[Any, Any, bytes]] = []
    with broker.connection() as connection:
        channel = connection.channel()
        while True:
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return messages
            messages.append((method, properties, body))


def ids_in(broker: Broker, queue: str) -> list[str]:
    return [properties.headers["id"] for _, properties, _ in drain(broker, queue)]


def test_every_task_arrives_once_in_the_queue_its_route_names(broker: Broker, client: Celery) -> None:
    a = send_many(client.tasks["tasks.taskA"], ((i, i) for i in range(3000)))
    unrouted = send_many(client.tasks["tasks.add"], kwargsets=({"x": i, "y": 1} for i in range(500)))
    assert len(set(a)) == 3000 and len(set(unrouted)) == 500
    assert ids_in(broker, "for_task_A") == a  # each once, in item order
    assert ids_in(broker, "default") == unrouted
    assert broker.ready("for_task_B") == 0


def comparable(message: tuple[Any, Any, bytes]) -> dict[str, Any]:
    """Where a message went and what it carries, less what differs between any two calls."""
    method, properties, body = message
    headers = {k: v for k, v in properties.headers.items() if k not in PER_MESSAGE}
    fields = {k: v for k, v in vars(properties).items() if k not in ("headers", "correlation_id", "timestamp")}
    assert isinstance(properties.timestamp, int) and abs(properties.timestamp - time.time()) < 120  # stamped per send
    return {"exchange": method.exchange, "routing_key": method.routing_key, **fields, "headers": headers, "body": body}


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"priority": 5, "headers": {"tenant": "t1"}, "link": {"task": "tasks.add", "args": [1], "options": {}}},
        {"countdown": 30, "ignore_result": True},  # relative to each send: every task through apply_async
    ],
    ids=["plain", "options", "countdown"],
)
def test_messages_equal_apply_async_ones(broker: Broker, client: Celery, options: dict[str, Any]) -> None:
    task = client.tasks["tasks.taskA"]
    task.apply_async((7, 8), **options)
    ids = send_many(task, [(7, 8), (7, 8)], **options)  # the second is the first with new ids
    # a countdown of 30 s (16 + 8 + 4 + 2) waits first in the delay ladder's level of 16 s
    by_apply, *by_send_many = drain(broker, "topology.delay.4" if "countdown" in options else "for_task_A")
    assert [m[1].headers["id"] for m in by_send_many] == ids
    for message in by_send_many:
        assert message[1].correlation_id == message[1].headers["id"]
        assert message[1].headers["argsrepr"] == by_apply[1].headers["argsrepr"] == "(7, 8)"
        expected, got = comparable(by_apply), comparable(message)
        if "countdown" in options:  # eta is the send time plus 30 s: equal to the minute
            assert got["headers"].pop("eta")[:16] == expected["headers"].pop("eta")[:16]
        assert got == expected


def test_keyword_arguments_match_apply_async_too(broker: Broker, client: Celery) -> None:
    task = client.tasks["tasks.add"]
    task.apply_async(kwargs={"x": 1, "y": 2})
    send_many(task, kwargsets=[{"x": 1, "y": 2}, {"x": 1, "y": 2}])
    by_apply, first, second = drain(broker, "default")
    assert second[1].headers["kwargsrepr"] == by_apply[1].headers["kwargsrepr"] == "{'x': 1, 'y': 2}"
    assert comparable(first) == comparable(second) == comparable(by_apply)


def test_publish_signals_fire_once_per_task(broker: Broker, client: Celery) -> None:
    seen: list[str] = []

    def stamp(headers: dict[str, Any], **_: Any) -> None:
        seen.append(headers["id"])
        headers["stamped"] = "yes"

    before_task_publish.connect(stamp)
    try:
        ids = send_many(client.tasks["tasks.taskA"], [(1, 2)] * 5)
    finally:
        before_task_publish.disconnect(stamp)
    assert seen == ids
    assert [p.headers["stamped"] for _, p, _ in drain(broker, "for_task_A")] == ["yes"] * 5


def test_a_nack_in_the_middle_is_reported_by_id_and_the_rest_are_confirmed(broker: Broker, client: Celery) -> None:
    """for_task_B holds 3 and refuses more (reject-publish: a nack); emptied before item 6, it takes 3 again."""

    def items() -> Iterator[tuple[int, int, int]]:
        for i in range(9):
            if i == 6:
                with broker.connection() as connection:
                    connection.channel().queue_purge("for_task_B")
            yield (i, i, i)

    confirmed: list[str] = []
    with pytest.raises(BulkSendError) as raised:
        confirmed.extend(iter_send_many(client.tasks["tasks.taskB"], items(), window=1))
    error = raised.value
    assert [(n.index, n.reason) for n in error.not_accepted] == [(i, "nacked by the broker") for i in (3, 4, 5)]
    assert error.sent == 9 and error.lost is None
    assert len(confirmed) == 6 and not {n.task_id for n in error.not_accepted} & set(confirmed)
    assert ids_in(broker, "for_task_B") == confirmed[3:]  # the first three were purged
    assert all(n.task_id in str(error) for n in error.not_accepted)


def unbinding_items(broker: Broker, count: int, unbind: int, bind: int | None = None) -> Iterator[tuple[int, int]]:
    """`count` items (i, i); the binding for_task_A needs is removed before item `unbind` (made again before
    item `bind`), by another connection, while the batch is being sent."""
    for i in range(count):
        if i in (unbind, bind):
            with broker.connection() as connection:
                channel = connection.channel()
                if i == unbind:
                    channel.queue_unbind("for_task_A", "for_task_A", "for_task_A", OWNED)
                else:
                    channel.queue_bind("for_task_A", "for_task_A", "for_task_A", OWNED)
        yield (i, i)


def test_unroutable_tasks_in_the_middle_are_kept_by_the_net_and_confirmed(broker: Broker, client: Celery) -> None:
    """The binding for_task_A needs is removed before item 4 and made again before item 7: with the net
    (the default) those three are not refused but kept, where they were published, in the net's queue."""
    confirmed = list(iter_send_many(client.tasks["tasks.taskA"], unbinding_items(broker, 10, 4, 7), window=1))
    assert len(confirmed) == len(set(confirmed)) == 10
    assert ids_in(broker, "for_task_A") == confirmed[:4] + confirmed[7:]
    kept = drain(broker, UNROUTABLE_NET)
    assert [properties.headers["id"] for _, properties, _ in kept] == confirmed[4:7]
    assert {(method.exchange, method.routing_key) for method, _, _ in kept} == {("for_task_A", "for_task_A")}


@pytest.mark.parametrize("routing", [WITHOUT_NETS], ids=["without-nets"], indirect=True)
def test_unroutable_tasks_in_the_middle_are_returned_and_reported(broker: Broker, client: Celery) -> None:
    """As above, in a file without the nets: the three are returned by the broker, and reported."""
    confirmed: list[str] = []
    with pytest.raises(BulkSendError) as raised:
        confirmed.extend(iter_send_many(client.tasks["tasks.taskA"], unbinding_items(broker, 10, 4, 7), window=1))
    error = raised.value
    assert [n.index for n in error.not_accepted] == [4, 5, 6]
    assert all("NO_ROUTE" in n.reason and "'for_task_A'" in n.reason for n in error.not_accepted)
    assert ids_in(broker, "for_task_A") == confirmed and len(confirmed) == 7


def test_with_a_full_window_the_net_keeps_exactly_what_the_queue_missed(broker: Broker, client: Celery) -> None:
    """The binding goes halfway through 4000 tasks with 1000 in flight: which ones it caught is not known
    in advance, but with the net every task is confirmed, and each is in the queue or, after it, in the net."""
    confirmed = list(iter_send_many(client.tasks["tasks.taskA"], unbinding_items(broker, 4000, 2000), window=1000))
    assert len(confirmed) == len(set(confirmed)) == 4000
    queued, kept = ids_in(broker, "for_task_A"), ids_in(broker, UNROUTABLE_NET)
    assert queued and kept and queued + kept == confirmed


@pytest.mark.parametrize("routing", [WITHOUT_NETS], ids=["without-nets"], indirect=True)
def test_with_a_full_window_the_report_is_still_exact(broker: Broker, client: Celery) -> None:
    """As above, in a file without the nets: the confirmed ones are exactly those in the queue, and every
    other one is reported."""
    confirmed: list[str] = []
    with pytest.raises(BulkSendError) as raised:
        confirmed.extend(iter_send_many(client.tasks["tasks.taskA"], unbinding_items(broker, 4000, 2000), window=1000))
    refused = raised.value.not_accepted
    assert refused and len(confirmed) + len(refused) == 4000
    assert ids_in(broker, "for_task_A") == confirmed
    assert [n.index for n in refused] == list(range(4000 - len(refused), 4000))


def test_a_lost_connection_reports_what_was_not_confirmed(broker: Broker, client: Celery) -> None:
    """The broker closes the connection (as on a node going down) while the batch is being sent."""

    def items() -> Iterator[tuple[int, int]]:
        for i in range(100_000):
            if i == 3000:
                close_connections(broker)
            yield (i, i)

    confirmed: list[str] = []
    with pytest.raises(BulkSendError) as raised:
        confirmed.extend(iter_send_many(client.tasks["tasks.taskA"], items()))
    error = raised.value
    assert error.lost and "not confirmed" in error.lost and error.sent < 100_000
    assert len(confirmed) + len(error.not_accepted) == error.sent
    assert {n.index for n in error.not_accepted} | set(range(len(confirmed))) == set(range(error.sent))
    assert set(confirmed) <= set(ids_in(broker, "for_task_A"))  # at least once: an unconfirmed one may be there


def close_connections(broker: Broker) -> None:
    """Close every client connection to the test's vhost through the management API."""
    api = broker.settings.management
    auth = {"Authorization": "Basic " + b64encode(f"{api.username}:{api.password}".encode()).decode()}
    base = f"http://{api.host}:{api.port}/api"

    def listed() -> list[str]:
        request = urllib.request.Request(f"{base}/vhosts/{quote(broker.vhost, safe='')}/connections", headers=auth)
        with urllib.request.urlopen(request) as response:
            return [c["name"] for c in json.load(response)]

    wait_until(lambda: bool(listed()), "the batch's connection in the management API")
    for name in listed():
        request = urllib.request.Request(f"{base}/connections/{quote(name, safe='')}", headers=auth, method="DELETE")
        urllib.request.urlopen(request).close()


def test_the_first_node_that_answers_of_a_url_list(broker: Broker, client: Celery) -> None:
    client.conf.broker_url = f"amqp://guest:guest@localhost:1/{quote(broker.vhost, safe='')};{broker.url}"
    ids = send_many(client.tasks["tasks.taskA"], [(1, 1), (2, 2)])
    assert ids_in(broker, "for_task_A") == ids


def test_real_workers_run_a_batch_and_results_come_back(broker: Broker, routing: Path, client: Celery) -> None:
    assert client.conf.result_backend == "rpc://"
    broker.worker("for_task_A", routing)
    ids = send_many(client.tasks["tasks.taskA"], ((i, i + 1) for i in range(200)))
    assert [client.AsyncResult(task_id).get(timeout=60) for task_id in ids] == [i * (i + 1) for i in range(200)]
    log = (broker.tmp / "celery-0.log").read_text()
    assert log.count("tasks.taskA[") >= 200 and "ERROR" not in log
    assert broker.ready("for_task_A") == 0


def test_refuses_what_it_sets_itself(client: Celery) -> None:
    with pytest.raises(TypeError, match="task_id"):
        send_many(client.tasks["tasks.taskA"], [(1, 2)], task_id="mine")
    with pytest.raises(TypeError, match="argsets, kwargsets"):
        send_many(client.tasks["tasks.taskA"])


def test_pika_sees_the_same_bodies(broker: Broker, client: Celery) -> None:
    """The body is Celery's protocol 2: (args, kwargs, embed) in JSON."""
    send_many(client.tasks["tasks.taskB"], [(1, 2, 3)])
    ((_, properties, body),) = drain(broker, "for_task_B")
    assert isinstance(properties, pika.BasicProperties) and properties.delivery_mode == 2
    assert json.loads(body) == [[1, 2, 3], {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}]

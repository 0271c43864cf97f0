"""Celery's precedence, live: every way of naming a task's destination (docs/precedence.md's table), published
by the app configured from the file and by a stock Celery app with the same queues and routes
(tests/stock_celery.py), lands in the same queues, read off RabbitMQ itself (basic.get on every queue of the
file and on the unroutable net). The configured app's publishes are confirmed and mandatory (an error at the
caller otherwise); where stock Celery uses RabbitMQ's default exchange, the configured app goes through the
queue's binding wherever that binding reaches the queue alone, and the exchange RabbitMQ reports is the one
`topology.routing.celery_sends` (what `routes --queue` prints) names. The worker side runs in real workers,
one of each app: the next step of a chain, a chord's body and a retry are published by them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from celery import Celery, chain, chord, group
from celery.beat import Scheduler
from celery.exceptions import QueueNotFound

from tests.live.conftest import Broker, fresh_vhost, wait_until
from tests.live.precedence_tasks import OWN_QUEUE, configured, stock_of
from topology import send_many
from topology.broker.settings import Settings
from topology.celery_adapter.hazards import worker_asks_global_qos
from topology.language.loader import load_topology
from topology.model import Topology
from topology.routing import Message, Named, Through, celery_sends, deliver, queue_sends

pytestmark = pytest.mark.filterwarnings("ignore:\\s*The .* task attribute is deprecated")
ROUTING = """\
exchanges:
  default:    {type: direct}
  for_task_A: {type: direct}
  for_task_B: {type: direct}
  events:     {type: topic}
queues:
  default:    {bindings: [{exchange: default, routing_key: default}]}
  for_task_A: {bindings: [{exchange: for_task_A, routing_key: for_task_A}]}
  for_task_B: {bindings: [{exchange: for_task_B, routing_key: for_task_B}]}
  reports:    {bindings: [{exchange: events, routing_key: report.weekly}]}
  twin:       {bindings: [{exchange: for_task_B, routing_key: twin}], fed_by: [callers]}
  other_twin: {bindings: [{exchange: for_task_B, routing_key: twin}], fed_by: [callers]}
  work:       {bindings: [{exchange: default, routing_key: work}], fed_by: [callers]}
  stock_work: {bindings: [{exchange: default, routing_key: stock_work}], fed_by: [callers]}
routes:
  prec.taskA: for_task_A
  prec.taskB: for_task_B
  prec.own_over_route: for_task_A
  prec.report: {exchange: events, routing_key: report.weekly}
default_queue: default
schedule:
  to_b:     {task: prec.taskA, every: 1h, args: [1, 2], queue: for_task_B, options: {priority: 3, expires: 1h}}
  by_route: {task: prec.taskA, every: 1h, args: [3, 4]}
"""
REDIS = "redis://127.0.0.1:6379/7"
"""Results (a chord needs a backend that counts its parts); keys are task ids, unique to each run."""


@dataclass(frozen=True)
class Landed:
    """A task as RabbitMQ delivered it: the queue it was in, and the exchange and key it was published with."""

    queue: str
    exchange: str
    routing_key: str
    task: str


@dataclass
class Stage:
    broker: Broker
    file: Path
    topology: Topology
    ours: Celery
    stock: Celery
    channel: Any

    @property
    def queues(self) -> list[str]:
        """Every queue of the file, the nets' included: a task landing anywhere is seen."""
        return [q.name for q in self.topology.queues]

    def take(self) -> list[Landed]:
        """Every task in the vhost's queues, taken off them."""
        landed = []
        for queue in self.queues:
            while True:
                method, properties, _ = self.channel.basic_get(queue, auto_ack=True)
                if method is None:
                    break
                task = (properties.headers or {}).get("task", "")
                landed.append(Landed(queue, method.exchange, method.routing_key, task))
        return landed

    def landed(self, copies: int) -> list[Landed]:
        """The tasks that land, once `copies` have (workers publish some of them), and any more that follow."""
        found: list[Landed] = []

        def enough() -> bool:
            found.extend(self.take())
            return len(found) >= copies

        wait_until(enough, f"{copies} tasks landed", timeout=30, pause=0.05)
        time.sleep(0.2)  # a copy too many would be here by now
        return sorted([*found, *self.take()], key=lambda each: (each.task, each.queue))


@pytest.fixture(scope="module")
def stage(base_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    with fresh_vhost(base_settings, tmp_path_factory.mktemp("precedence")) as broker:
        file = broker.write(ROUTING)
        applied = broker.cli("apply", file=file)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        topology = load_topology(file)
        apps, backend = "tests.live.precedence_tasks", {"CELERY_RESULT_BACKEND": REDIS}
        workers = {
            queue: broker.start("worker", "-P", "solo", "-Q", queue, "-n", f"{queue}@%h", file=file, app=app, **backend)
            for queue, app in (("work", apps), ("stock_work", f"{apps}:stock"))
        }
        for queue, worker in workers.items():
            wait_until(partial(broker.consumed, queue), f"a worker consuming {queue!r}", worker)
        ours = configured(topology, broker.url)
        stock = stock_of(topology, broker.url)
        for app in (ours, stock):
            app.conf.result_backend = REDIS
        stock.conf.broker_transport_options = {"confirm_publish": True}  # landed once sent, as ours are
        with broker.connection() as connection:
            yield Stage(broker, file, topology, ours, stock, connection.channel())
        ours.close()
        stock.close()


@dataclass(frozen=True)
class Row:
    """One way of naming a destination: how an app (and its worker's queue) sends it, how many tasks land,
    and, where one task is sent as a call, what the model (`routes TASK --queue ...`) says of it."""

    id: str
    send: Callable[[Celery, str], object]
    copies: int = 1
    model: tuple[str, Named, Named] | None = None  # the task, what the call names, what the task names


def task(app: Celery, name: str) -> Any:
    return app.tasks[name]


def beat(entry: str) -> Callable[[Celery, str], object]:
    """What `celery beat` does with a due entry of the app's schedule (``Scheduler.apply_async``)."""

    def send(app: Celery, _: str) -> object:
        scheduler = Scheduler(app, schedule={}, lazy=True)
        scheduler.merge_inplace(app.conf.beat_schedule)
        return scheduler.apply_async(scheduler.schedule[entry], advance=False)

    return send


def many(app: Celery, _: str) -> object:
    """send_many on the configured app; the stock app has none, and sends each task as apply_async does."""
    taskA = task(app, "prec.taskA")  # noqa: N806 - the seed's name
    if app.main == "precedence":
        return send_many(taskA, [(1, 2)] * 3, queue="for_task_B")
    return [taskA.apply_async((1, 2), queue="for_task_B") for _ in range(3)]


def call(name: str, **options: str) -> Row:
    return Row(
        f"{name}.apply_async({', '.join(f'{k}={v}' for k, v in options.items())})",
        lambda app, _: task(app, name).apply_async((1, 2), **options),
        model=(name, Named(**options), Named()),
    )


ROWS = [
    call("prec.taskA", queue="for_task_B"),  # the first example: a call's queue over a route to a queue
    call("prec.add", queue="for_task_A"),  # the second: a call's queue over the default queue
    call("prec.taskA", exchange="for_task_B", routing_key="for_task_B"),
    call("prec.add", exchange="events", routing_key="report.weekly"),
    call("prec.taskA", routing_key="for_task_B"),  # a key alone: Celery publishes a direct queue by name
    call("prec.taskA", exchange="for_task_B"),  # an exchange alone: the same
    call("prec.report", queue="for_task_A"),  # a route to an exchange keeps its exchange and key (merged per key)
    call("prec.add", queue="reports"),  # a queue on a topic exchange: Celery's own exchange and key
    call("prec.add", queue="twin"),  # its binding reaches other_twin too: the default exchange, as Celery
    call("prec.own_queue", queue="for_task_A"),  # the call's queue over the task's
    Row(
        "send_task(queue=)",
        lambda app, _: app.send_task("prec.taskA", (1, 2), queue="for_task_B"),
        model=("prec.taskA", Named(queue="for_task_B"), Named()),
    ),
    Row(
        "send_task(queue=) of a task no app registers",
        lambda app, _: app.send_task("elsewhere.job", queue="for_task_A"),
        model=("elsewhere.job", Named(queue="for_task_A"), Named()),
    ),
    Row(
        "signature.set(queue=)",
        lambda app, _: task(app, "prec.taskA").s(1, 2).set(queue="for_task_B").apply_async(),
        model=("prec.taskA", Named(queue="for_task_B"), Named()),
    ),
    Row(
        ".s().apply_async(queue=)",
        lambda app, _: task(app, "prec.add").s(1, 2).apply_async(queue="for_task_A"),
        model=("prec.add", Named(queue="for_task_A"), Named()),
    ),
    Row(
        "group with a queue per signature",
        lambda app, _: group(
            task(app, "prec.taskA").s(1, 2).set(queue="for_task_B"), task(app, "prec.add").s(1, 2).set(queue="twin")
        ).apply_async(),
        copies=2,
    ),
    Row(
        "chain: the worker sends the next step to its queue",
        lambda app, work: chain(
            task(app, "prec.taskA").si(1, 2).set(queue=work), task(app, "prec.add").si(3, 4).set(queue="for_task_B")
        ).apply_async(),
    ),
    Row(
        "chord: the worker sends the body to its queue",
        lambda app, work: chord(
            [task(app, "prec.taskA").si(1, 2).set(queue=work), task(app, "prec.taskA").si(3, 4).set(queue=work)],
            task(app, "prec.add").si(5, 6).set(queue="for_task_B"),
        ).apply_async(),
    ),
    Row(
        "@app.task(queue=)",
        lambda app, _: task(app, "prec.own_queue").delay(1, 2),
        model=("prec.own_queue", Named(), Named(queue=OWN_QUEUE)),
    ),
    Row(
        "@app.task(queue=) over a route",
        lambda app, _: task(app, "prec.own_over_route").delay(1, 2),
        model=("prec.own_over_route", Named(), Named(queue=OWN_QUEUE)),
    ),
    Row(
        "@app.task(exchange=, routing_key=)",
        lambda app, _: task(app, "prec.own_exchange").delay(1, 2),
        model=("prec.own_exchange", Named(), Named(exchange="for_task_A", routing_key="for_task_A")),
    ),
    Row("a Task class with queue =", lambda app, _: task(app, "prec.class_queue").delay(1, 2)),
    Row(
        "a route naming a queue",
        lambda app, _: task(app, "prec.taskB").delay(1, 2),
        model=("prec.taskB", Named(), Named()),
    ),
    Row(
        "a route naming an exchange and a key",
        lambda app, _: task(app, "prec.report").delay(1, 2),
        model=("prec.report", Named(), Named()),
    ),
    Row("a router function", lambda app, _: task(app, "prec.by_function").delay(1, 2)),
    Row("the default queue", lambda app, _: task(app, "prec.add").delay(1, 2), model=("prec.add", Named(), Named())),
    Row("a beat entry with a queue and options", beat("to_b")),
    Row("a beat entry following its task's route", beat("by_route")),
    Row("send_many(queue=)", many, copies=3),
]


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_each_way_of_naming_a_destination_lands_where_stock_celery_puts_it(stage: Stage, row: Row) -> None:
    assert stage.take() == []
    row.send(stage.stock, "stock_work")
    stock = stage.landed(row.copies)
    row.send(stage.ours, "work")  # confirmed and mandatory: it raises unless RabbitMQ took it
    ours = stage.landed(row.copies)
    assert [(each.task, each.queue) for each in ours] == [(each.task, each.queue) for each in stock]
    for mine, theirs in zip(ours, stock, strict=True):
        if theirs.exchange == "":  # Celery's default exchange: ours through the queue's binding, if it reaches it alone
            expected = queue_sends(stage.topology, stage.topology.queue(mine.queue), mine.task)[0]  # type: ignore[arg-type]
            assert (mine.exchange, mine.routing_key) == (expected.exchange, expected.routing_key)
        else:  # an exchange and key Celery chose itself: the same
            assert (mine.exchange, mine.routing_key) == (theirs.exchange, theirs.routing_key)
    if row.model is not None:
        name, named_by_call, named_by_task = row.model
        sending = celery_sends(stage.topology, name, named_by_call, named_by_task)
        assert [each.queue for each in ours] == list(sending.delivery.queues)
        assert {(each.exchange, each.routing_key) for each in ours} == {
            (sending.destination.exchange, sending.destination.routing_key)
        }


def test_the_default_exchange_is_used_only_where_no_binding_reaches_the_queue_alone(stage: Stage) -> None:
    assert stage.take() == []
    task(stage.ours, "prec.add").apply_async((1, 2), queue="twin")
    (twin,) = stage.landed(1)
    assert (twin.queue, twin.exchange, twin.routing_key) == ("twin", "", "twin")
    assert queue_sends(stage.topology, stage.topology.queue("twin"), "prec.add")[2] is Through.DEFAULT_EXCHANGE  # type: ignore[arg-type]
    task(stage.ours, "prec.add").apply_async((1, 2), queue="for_task_B")
    (through_binding,) = stage.landed(1)
    assert (through_binding.exchange, through_binding.routing_key) == ("for_task_B", "for_task_B")


def test_a_retry_of_a_task_sent_with_a_queue_lands_in_that_queue(stage: Stage) -> None:
    """The worker retries from the delivery it got: stock Celery by the queue's name (it was delivered through
    the default exchange), the configured worker through the exchange and key it was delivered with."""
    assert stage.take() == []
    retried = {
        work: task(app, "prec.retried").apply_async(queue=work).get(timeout=30)
        for app, work in ((stage.stock, "stock_work"), (stage.ours, "work"))
    }
    assert retried["stock_work"] == {"exchange": "", "routing_key": "stock_work"}
    assert retried["work"] == {"exchange": "default", "routing_key": "work"}
    for work, delivered in retried.items():
        message = Message(delivered["routing_key"])
        assert deliver(stage.topology, delivered["exchange"], message).queues == (work,)  # and no other queue
    assert stage.take() == []


def test_a_queue_the_file_lacks_is_an_error_at_the_caller_and_nothing_is_published(stage: Stage) -> None:
    assert stage.take() == []
    for app in (stage.stock, stage.ours):
        with pytest.raises(QueueNotFound) as raised:
            task(app, "prec.taskA").apply_async((1, 2), queue="not_in_the_file")
        assert stage.take() == []
    assert f"{stage.file} declares no such queue" in str(raised.value)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("prec.taskA", {"queue": "for_task_B"}),
        ("prec.report", {"queue": "for_task_A"}),
        ("prec.add", {"exchange": "events", "routing_key": "report.weekly"}),
        ("prec.taskA", {"routing_key": "for_task_B"}),
    ],
)
def test_routes_says_where_a_call_lands_as_rabbitmq_does(stage: Stage, name: str, options: dict[str, str]) -> None:
    flags = [part for key, value in options.items() for part in (f"--{key.replace('_', '-')}", value)]
    shown = stage.broker.cli("routes", name, *flags, "--format", "json", file=stage.file)
    assert shown.returncode == 0, shown.stderr
    (row,) = json.loads(shown.stdout)["data"]["tasks"]
    assert stage.take() == []
    task(stage.ours, name).apply_async((1, 2), **options)
    landed = stage.landed(1)
    assert [each.queue for each in landed] == row["queues"]
    assert {(each.exchange, each.routing_key) for each in landed} == {(row["exchange"], row["routing_key"])}


def test_each_worker_asks_the_prefetch_the_hazards_predict_for_this_broker(stage: Stage) -> None:
    """Where `worker_asks_global_qos` says a global prefetch, RabbitMQ lists the worker's channel with one (the
    flag RabbitMQ 4.3 ignores: `version_hazards` names it then); else a per-consumer prefetch."""
    management = stage.broker.management()
    version = str(management.overview()["rabbitmq_version"])
    for app, queue in ((stage.ours, "work"), (stage.stock, "stock_work")):
        global_qos = worker_asks_global_qos(app, version)

        def listed(queue: str = queue) -> dict[str, Any] | None:
            """The worker's task channel once RabbitMQ's statistics show a prefetch on it (the first may not)."""
            vhost = quote(stage.broker.vhost, safe="")
            details = [
                c["channel_details"] for c in management.get(f"/consumers/{vhost}") if c["queue"]["name"] == queue
            ]
            names = {each["name"] for each in details if isinstance(each, dict)}  # [] until its statistics are out
            channels = management.get(f"/vhosts/{vhost}/channels")
            prefetching = (
                c
                for c in channels
                if c["name"] in names and c.get("global_prefetch_count", 0) + c.get("prefetch_count", 0)
            )
            return next(prefetching, None)

        wait_until(lambda: listed() is not None, f"the prefetch of the worker consuming {queue!r}", timeout=30)
        channel = listed()
        assert channel is not None
        shared, per_consumer = channel.get("global_prefetch_count", 0), channel["prefetch_count"]  # 4.3 lists none
        assert (shared > 0, per_consumer > 0) == (global_qos, not global_qos), channel

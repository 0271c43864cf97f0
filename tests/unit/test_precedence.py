"""Celery's precedence, modelled (`topology.routing.celery_sends`) and kept by the configured app: on generated
topologies, routes, task options and call options, the model names what the configured app's own router and
task sender publish, and lands each task where a stock Celery app with the same queues and routes does. The
broker's side of the landing is `deliver` here; tests/live/test_precedence.py checks it on RabbitMQ."""

from __future__ import annotations

from typing import Any

import pytest
from celery import Celery
from celery.exceptions import QueueNotFound
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.stock_celery import stock_app
from topology.celery_adapter.config import configure
from topology.celery_adapter.precedence import sent_to
from topology.language.loader import parse_topology
from topology.model import Binding, Destination, Exchange, ExchangeType, Queue, Route, Topology
from topology.routing import Named, Source, Through, celery_sends, deliver, task_message

pytestmark = pytest.mark.filterwarnings("ignore:\\s*The .* task attribute is deprecated")
URL = "amqp://guest:guest@localhost:5672//"
EXCHANGES = (
    Exchange("direct", ExchangeType.DIRECT),
    Exchange("topic", ExchangeType.TOPIC),
    Exchange("fan", ExchangeType.FANOUT),
    Exchange("head", ExchangeType.HEADERS),
)
QUEUES = ("q0", "q1", "q2")
TASKS = ("t.a", "t.b", "t.c")

bindings = st.one_of(
    st.builds(lambda key: Binding("direct", key), st.sampled_from([*QUEUES, "shared", ""])),
    st.builds(lambda key: Binding("topic", key), st.sampled_from(["a.*", "#", "a.b", ""])),
    st.just(Binding("fan")),
    st.builds(lambda task: Binding("head", "", {"task": task}), st.sampled_from(TASKS)),
)
queue_bindings = st.lists(bindings, max_size=2, unique_by=lambda b: (b.exchange, b.routing_key, str(b.arguments)))
routes = st.one_of(
    st.none(),
    st.builds(lambda queue: {"queue": queue}, st.sampled_from(QUEUES)),
    st.builds(
        lambda exchange, key: {"exchange": exchange, "routing_key": key},
        st.sampled_from([e.name for e in EXCHANGES]),
        st.sampled_from(["q1", "a.b", "", "shared"]),
    ),
)
named = st.builds(
    Named,
    queue=st.sampled_from([None, None, *QUEUES, "missing"]),
    exchange=st.sampled_from([None, None, None, *(e.name for e in EXCHANGES), ""]),
    routing_key=st.sampled_from([None, None, "", "q1", "a.b", "shared"]),
)


def topology_of(bound: list[list[Binding]], routed: list[dict[str, Any] | None]) -> Topology:
    queues = tuple(Queue(name, bindings=tuple(b)) for name, b in zip(QUEUES, bound, strict=True))
    table = tuple(Route(task, **route) for task, route in zip(TASKS, routed, strict=True) if route is not None)
    return Topology(EXCHANGES, queues, "q0", table)


def _run() -> None:
    """The body of every generated task: only where it is sent is tested."""


def published(app: Celery, task: str, own: Named, call: Named) -> Destination | None:
    """What `app` publishes for `task` registered with `own` options and called with `call`'s: the task's
    options merged under the call's as `Task.apply_async` does; None when Celery raises QueueNotFound."""
    registered = app.task(name=task, shared=False, **dict(own.items()))(_run)
    options = dict(registered._get_exec_options(), **dict(call.items()))
    try:
        return sent_to(app, task, options)
    except QueueNotFound:
        return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(queue_bindings, min_size=3, max_size=3),
    st.lists(routes, min_size=3, max_size=3),
    st.sampled_from(TASKS),
    named,
    named,
)
def test_the_model_is_what_the_configured_app_publishes_and_lands_where_stock_celery_does(
    bound: list[list[Binding]], routed: list[dict[str, Any] | None], task: str, own: Named, call: Named
) -> None:
    topology = topology_of(bound, routed)
    sending = celery_sends(topology, task, call, own)
    event(sending.through.value if sending.refused is None else "refused")
    ours = published(configure(Celery("ours", set_as_current=False), topology, URL), task, own, call)
    stock = published(stock_app(topology, URL), task, own, call)
    if sending.refused is not None:
        assert ours is None and stock is None, sending.refused
        return
    assert ours == sending.destination
    assert stock is not None
    stock_lands = deliver(topology, stock.exchange, task_message(stock, task))
    assert sending.delivery.queues == stock_lands.queues, (stock, sending)
    if stock.exchange == "" and sending.destination.exchange != "":  # Celery's default exchange, replaced
        assert sending.through is Through.BINDING


SEED = parse_topology(
    """\
exchanges: {default: {type: direct}, for_task_A: {type: direct}, for_task_B: {type: direct}, events: {type: topic}}
queues:
  default:    {bindings: [{exchange: default, routing_key: default}]}
  for_task_A: {bindings: [{exchange: for_task_A, routing_key: for_task_A}]}
  for_task_B: {bindings: [{exchange: for_task_B, routing_key: for_task_B}]}
  reports:    {bindings: [{exchange: events, routing_key: report.weekly}]}
  audit:      {bindings: [{exchange: events, routing_key: "report.#"}]}
  twin:       {bindings: [{exchange: default, routing_key: twin}]}
  other_twin: {bindings: [{exchange: default, routing_key: twin}]}
routes:
  tasks.taskA: for_task_A
  tasks.taskB: for_task_B
  tasks.report: {exchange: events, routing_key: report.weekly}
default_queue: default
"""
)


@pytest.mark.parametrize(
    ("task", "call", "own", "lands", "through", "chosen"),
    [
        ("tasks.taskA", Named(queue="for_task_B"), Named(), ("for_task_B",), Through.BINDING, {"queue": Source.CALL}),
        ("tasks.add", Named(queue="for_task_A"), Named(), ("for_task_A",), Through.BINDING, {"queue": Source.CALL}),
        ("tasks.add", Named(), Named(queue="for_task_B"), ("for_task_B",), Through.BINDING, {"queue": Source.TASK}),
        (
            "tasks.taskA",
            Named(queue="default"),
            Named(queue="for_task_B"),
            ("default",),
            Through.BINDING,
            {"queue": Source.CALL},
        ),
        ("tasks.add", Named(), Named(), ("default",), Through.BINDING, {"queue": Source.DEFAULT}),
        ("tasks.taskA", Named(), Named(), ("for_task_A",), Through.BINDING, {"queue": Source.ROUTE}),
        # the queue's binding also reaches `other_twin`: by name, through the default exchange, as Celery does
        ("tasks.add", Named(queue="twin"), Named(), ("twin",), Through.DEFAULT_EXCHANGE, {"queue": Source.CALL}),
        # a queue on a topic exchange: Celery publishes through it with the binding's key, wherever that reaches
        (
            "tasks.add",
            Named(queue="reports"),
            Named(),
            ("reports", "audit"),
            Through.QUEUE_EXCHANGE,
            {"queue": Source.CALL},
        ),
        # an exchange and a key named by the call: Celery publishes there, whatever the route says
        (
            "tasks.taskA",
            Named(exchange="for_task_B", routing_key="for_task_B"),
            Named(),
            ("for_task_B",),
            Through.NAMED,
            {"queue": Source.ROUTE, "exchange": Source.CALL, "routing_key": Source.CALL},
        ),
        # a route to an exchange keeps its exchange and key over the call's queue (Celery merges per key)
        (
            "tasks.report",
            Named(queue="for_task_A"),
            Named(),
            ("reports", "audit"),
            Through.NAMED,
            {"queue": Source.CALL, "exchange": Source.ROUTE, "routing_key": Source.ROUTE},
        ),
    ],
)
def test_who_wins(
    task: str, call: Named, own: Named, lands: tuple[str, ...], through: Through, chosen: dict[str, Source]
) -> None:
    sending = celery_sends(SEED, task, call, own)
    assert (sending.delivery.queues, sending.through, dict(sending.chosen)) == (lands, through, chosen)


def test_a_routing_key_alone_is_not_followed_on_a_direct_exchange() -> None:
    sending = celery_sends(SEED, "tasks.add", Named(routing_key="for_task_A"))
    assert sending.delivery.queues == ("default",) and sending.ignored == ["routing_key"]


def test_a_queue_the_file_lacks_is_refused_as_celery_refuses_it() -> None:
    sending = celery_sends(SEED, "tasks.taskA", Named(queue="nope"))
    assert sending.refused == "queue 'nope' is not in the file: Celery raises QueueNotFound at the caller"
    app = configure(Celery("c", set_as_current=False), SEED, URL)
    with pytest.raises(
        QueueNotFound, match=r"routing.yaml declares no such queue \(its queues: audit, default, for_task_A"
    ):
        app.amqp.router.route({"queue": "nope"}, "tasks.taskA", (), {})


def test_the_nets_are_no_queue_a_caller_can_name() -> None:
    topology = parse_topology("queues: {q: {}}\ndefault_queue: q\n")
    assert topology.nets.unroutable is not None
    assert celery_sends(topology, "t", Named(queue=topology.nets.unroutable)).refused is not None


def test_the_generated_settings_route_as_stock_celery_for_the_seeds_examples() -> None:
    """The issue's two examples: with the old routes (exchange and key on every route, and a catch-all), the
    call's queue was overridden; now the configured app publishes where stock Celery puts them."""
    app = configure(Celery("c", set_as_current=False), SEED, URL)
    stock = stock_app(SEED, URL)
    for task, queue in (("tasks.taskA", "for_task_B"), ("tasks.add", "for_task_A")):
        options: dict[str, Any] = {"queue": queue}
        assert sent_to(stock, task, options) == Destination("", queue)
        assert sent_to(app, task, options) == Destination(queue, queue)

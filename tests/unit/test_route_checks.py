"""Routes proven before anything runs: followed through exchanges, bindings, hops and alternate exchanges."""

from __future__ import annotations

import textwrap

import pytest

from topology.errors import InvalidTopology
from topology.language.loader import check_text
from topology.model import Severity
from topology.routing import Message, deliver, headers_match


def warnings(text: str, registered: set[str] | None = None) -> list[str]:
    return [str(w) for w in check_text(textwrap.dedent(text), "r.yaml", registered=registered, environ={}).warnings]


def errors(text: str, registered: set[str] | None = None) -> list[str]:
    with pytest.raises(InvalidTopology) as caught:
        check_text(textwrap.dedent(text), "r.yaml", registered=registered, environ={})
    return [str(p) for p in caught.value.problems if p.severity is Severity.ERROR]


HOPS = """\
exchanges:
  front:   {type: topic, alternate_exchange: lost}
  billing: {type: direct, bindings: [{exchange: front, routing_key: "billing.*"}]}
  lost:    {type: fanout}
queues:
  invoices: {bindings: [{exchange: billing, routing_key: billing.invoice}]}
  lost:     {bindings: [{exchange: lost}]}
routes:
  tasks.invoice: {exchange: front, routing_key: billing.invoice}
  tasks.other:   {exchange: front, routing_key: misc.thing}
default_queue: invoices
"""


def test_a_route_follows_exchange_to_exchange_hops() -> None:
    topology = check_text(HOPS, environ={}).topology
    assert deliver(topology, "front", Message("billing.invoice")).queues == ("invoices",)


def test_the_alternate_exchange_takes_what_its_exchange_matches_nowhere() -> None:
    topology = check_text(HOPS, environ={}).topology
    assert deliver(topology, "front", Message("misc.thing")).queues == ("lost",)


def test_a_hop_that_matches_but_leads_nowhere_drops_the_task_the_alternate_exchange_is_not_used() -> None:
    text = HOPS.replace(
        "tasks.other:   {exchange: front, routing_key: misc.thing}",
        "tasks.other: {exchange: front, routing_key: billing.refund}",
    )
    assert errors(text + "unroutable: false\n") == [
        "r.yaml:10:47: route 'tasks.other' goes to exchange 'front' with routing key 'billing.refund', "
        "which no binding matches: its tasks would be dropped"
    ]
    # with the unroutable net, 'billing' has an alternate exchange of its own (by policy): the net's
    assert errors(text) == [
        "r.yaml:10:47: route 'tasks.other' goes to exchange 'front' with routing key 'billing.refund', "
        "which no binding matches: its tasks would be kept in the unroutable queue 'topology.unroutable', "
        "and never run"
    ]


def test_a_route_reaching_two_queues_is_a_warning_that_the_task_runs_twice() -> None:
    found = warnings(
        """\
        exchanges: {ev: {type: topic}}
        queues:
          a: {bindings: [{exchange: ev, routing_key: "report.*"}]}
          b: {bindings: [{exchange: ev, routing_key: "#"}]}
        routes:
          tasks.report: {exchange: ev, routing_key: report.daily}
        default_queue: a
        """
    )
    assert (
        "r.yaml:6:45: warning: route 'tasks.report' reaches 2 queues ('a', 'b'): each task would run once per queue"
        in found
    )


def test_a_consistent_hash_exchange_delivers_one_copy_so_no_warning() -> None:
    found = warnings(
        """\
        exchanges: {spread: {type: x-consistent-hash}}
        queues:
          a: {bindings: [{exchange: spread, routing_key: "1"}]}
          b: {bindings: [{exchange: spread, routing_key: "2"}]}
        routes:
          tasks.work: {exchange: spread, routing_key: any-order-id}
        default_queue: a
        """
    )
    assert found == []


def test_a_queue_nothing_reaches_is_a_warning_but_dead_lettering_counts() -> None:
    found = warnings(
        """\
        exchanges: {d: {type: direct}}
        queues:
          work:    {dead_letter_exchange: "", dead_letter_routing_key: retry, bindings: [{exchange: d, routing_key: w}]}
          retry:   {}
          orphan:  {}
        default_queue: work
        """
    )
    assert found == [
        "r.yaml:5:3: warning: queue 'orphan' is reached by no route and no binding: nothing would ever arrive in it"
    ]


def test_a_priority_on_a_queue_without_max_priority_is_a_warning() -> None:
    found = warnings("queues: {q: {}}\nroutes:\n  t: {queue: q, priority: 5}\ndefault_queue: q\n")
    assert found == [
        "r.yaml:3:27: warning: route 't' sets priority 5, but queue 'q' has no max_priority, so RabbitMQ ignores it"
    ]


HEADERS = """\
exchanges: {h: {type: headers}}
queues:
  pdf:  {bindings: [{exchange: h, headers: {task: tasks.render_pdf}}]}
  rest: {bindings: [{exchange: h, match: any, headers: {lang: py}}]}
routes:
  tasks.render_pdf: {exchange: h}
  tasks.render_*:   {exchange: h}
default_queue: rest
"""


def test_headers_routes_match_on_the_task_header_celery_sends() -> None:
    assert warnings(HEADERS) == [
        "r.yaml:6:3: warning: route 'tasks.render_pdf' reaches 2 queues ('pdf', 'rest'): each task would run once "
        "per queue"
    ]


def test_a_glob_route_is_proven_per_registered_task() -> None:
    found = warnings(HEADERS, registered={"tasks.render_pdf", "tasks.render_png"})
    assert "r.yaml:7:3: warning: route 'tasks.render_*' (task 'tasks.render_png')" not in " ".join(found)
    assert not any("render_png" in w for w in found)


def test_registered_task_names_catch_routes_and_schedules_for_tasks_that_do_not_exist() -> None:
    text = """\
    queues: {q: {}}
    routes:
      demo.taskA: q
      reports.*: q
    default_queue: q
    schedule:
      s: {task: tasks.tsakB, every: 5}
    """
    assert errors(text, registered={"tasks.taskA", "tasks.taskB", "celery.chord_unlock"}) == [
        "r.yaml:3:3: route 'demo.taskA' names a task the Celery app does not register (did you mean 'tasks.taskA'?)",
        "r.yaml:4:3: route 'reports.*' matches no task the Celery app registers",
        "r.yaml:7:3: schedule entry 's' sends task 'tasks.tsakB', which the Celery app does not register "
        "(did you mean 'tasks.taskB'?)",
    ]


@pytest.mark.parametrize(
    ("arguments", "headers", "expected"),
    [
        ({"x-match": "all", "a": 1}, {"a": 1}, True),
        ({"x-match": "all", "a": 1}, {"a": "1"}, False),  # typed: 1 is not '1'
        ({"x-match": "all", "a": True}, {"a": 1}, False),  # a bool is not a number
        ({"x-match": "all", "a": 1, "b": 2}, {"a": 1}, False),
        ({"x-match": "any", "a": 1, "b": 2}, {"a": 1}, True),
        ({"x-match": "any"}, {"a": 1}, False),
        ({"x-match": "all"}, {}, True),
        ({"x-match": "all", "a": None}, {"a": "anything"}, True),  # null: present
        ({"x-match": "all", "a": None}, {}, False),
    ],
)
def test_headers_matching(arguments: dict[str, object], headers: dict[str, object], expected: bool) -> None:
    assert headers_match(arguments, headers) is expected

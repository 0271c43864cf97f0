"""Routes proven before anything runs: followed through exchanges, bindings, hops and alternate exchanges."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT
from topology.errors import InvalidTopology
from topology.language.loader import check_text, load
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


BOUND_UNREACHED = """\
unroutable: false
dead_letters: false
exchanges:
  events: {type: topic, alternate_exchange: missed}
  missed: {type: fanout}
  dead:   {type: direct}
queues:
  reports: {bindings: [{exchange: events, routing_key: "report.#"}]}
  scratch: {bindings: [{exchange: events, routing_key: "audit.#"}, {exchange: events, routing_key: "log.*"}]}
  missed:  {bindings: [{exchange: missed}]}
  audit:   {dead_letter_exchange: dead, bindings: [{exchange: events, routing_key: "billing.#"}]}
  audit_dead: {bindings: [{exchange: dead, routing_key: audit}]}
routes:
  tasks.report: {exchange: events, routing_key: report.daily}
default_queue: reports
"""


def test_a_queue_bound_with_a_pattern_no_route_reaches_is_a_warning() -> None:
    # 'missed' catches what events cannot route (its alternate exchange): not said to wait for nothing;
    # 'audit' and 'scratch' only other publishers fill, and 'audit_dead' what 'audit' dead-letters
    found = warnings(BOUND_UNREACHED)
    assert found == [
        "r.yaml:9:3: warning: queue 'scratch' is bound (to 'events' with 'audit.#', to 'events' with 'log.*'), "
        "but no route's tasks reach it: only other publishers could fill it. If some do, name them "
        "(`fed_by: [their name]`); else route tasks to it or remove it",
        "r.yaml:11:3: warning: queue 'audit' is bound (to 'events' with 'billing.#'), but no route's tasks "
        "reach it: only other publishers could fill it. If some do, name them (`fed_by: [their name]`); else "
        "route tasks to it or remove it",
        "r.yaml:12:3: warning: queue 'audit_dead' is bound (to 'dead' with 'audit'), but no route's tasks "
        "reach it: only other publishers could fill it. If some do, name them (`fed_by: [their name]`); else "
        "route tasks to it or remove it",
    ]


def test_fed_by_names_the_other_publishers_and_silences_the_warning_for_that_queue_and_its_dead_letters() -> None:
    text = BOUND_UNREACHED.replace("  audit:   {", "  audit:   {fed_by: [billing-service], ")
    found = warnings(text)
    assert [w.split(": warning: ")[1][:15] for w in found] == ["queue 'scratch'"]
    audit = check_text(text, "r.yaml", environ={}).topology.queue("audit")
    assert audit is not None and audit.fed_by == ("billing-service",)
    assert audit.declared().arguments == {"x-dead-letter-exchange": "dead"}  # the broker never sees it


def test_fed_by_also_covers_a_queue_no_binding_reaches_and_must_name_someone() -> None:
    text = "queues: {work: {}, inbox: {fed_by: [mailer]}}\ndefault_queue: work\n"
    assert warnings(text) == []
    assert errors("queues: {work: {}, inbox: {fed_by: ['']}}\ndefault_queue: work\n") == [
        "r.yaml:1:37: 0: string should have at least 1 character, got ''"
    ]


def test_a_queue_a_route_names_but_misses_gets_the_route_s_error_not_this_warning() -> None:
    text = "exchanges: {h: {type: headers}}\nqueues:\n  q: {bindings: [{exchange: h, headers: {a: 1}}]}\n"
    problems = errors(text + "routes:\n  tasks.mine: q\ndefault_queue: q\n")
    assert problems and not [p for p in problems if "is bound" in p]


@pytest.mark.parametrize("path", [ROOT / "routing.yaml", ROOT / "examples" / "full.yaml"], ids=["seed", "full"])
def test_the_shipped_files_have_no_warning(path: Path) -> None:
    # full.yaml's audit_log is fed by another application, said with fed_by
    assert [str(w) for w in load(path, environ={}).warnings] == []

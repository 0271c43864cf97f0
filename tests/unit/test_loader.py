"""Loading and validating routing.yaml: the seed loads; every kind of mistake is reported at its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT
from topology.commands.validate import check
from topology.errors import InvalidTopology
from topology.language.loader import load_topology, parse_topology, topology_path
from topology.model import ExchangeType


def problems(text: str) -> list[str]:
    with pytest.raises(InvalidTopology) as caught:
        parse_topology(textwrap.dedent(text), "routing.yaml")
    return [str(p) for p in caught.value.problems]


VALID = """\
exchanges:
  default: {type: direct}
  jobs:    {type: topic, durable: false}
queues:
  default: {bindings: [{exchange: default, routing_key: default}]}
  jobs:    {bindings: [{exchange: jobs, routing_key: "jobs.#"}]}
routes:
  tasks.taskA: jobs
  tasks.report.*: {exchange: jobs, routing_key: jobs.report}
default_queue: default
schedule:
  tick: {task: tasks.add, every: 2.5, args: [1, 2], kwargs: {z: 3}}
"""


def test_seed_file_loads_with_its_objects_routes_and_schedule() -> None:
    topology = load_topology(ROOT / "routing.yaml")
    nets = ["topology.unroutable", "topology.dead-letters"]  # the nets, on unless the file opts out
    assert [e.name for e in topology.exchanges] == ["default", "for_task_A", "for_task_B", *nets]
    declared = [e for e in topology.exchanges if e.name not in nets]
    assert all(e.type is ExchangeType.DIRECT and e.durable and not e.auto_delete for e in declared)
    assert [(q.name, q.bindings[0].exchange, q.bindings[0].routing_key) for q in topology.queues] == [
        ("default", "default", "default"),
        ("for_task_A", "for_task_A", "for_task_A"),
        ("for_task_B", "for_task_B", "for_task_B"),
        *((net, net, "") for net in nets),
    ]
    assert [(r.pattern, r.queue) for r in topology.routes] == [
        ("tasks.taskA", "for_task_A"),
        ("tasks.taskB", "for_task_B"),
    ]
    assert topology.default_queue == "default"
    assert [(s.name, s.task, s.every, s.args) for s in topology.schedule] == [
        ("taskA_schedule", "tasks.taskA", 20.0, (5, 6)),
        ("taskB_schedule", "tasks.taskB", 200.0, (10, 20, 30)),
        ("add_schedule", "tasks.add", 10.0, (1, 2)),
    ]


def test_defaults_shorthands_and_origins() -> None:
    topology = parse_topology(VALID, "r.yaml")
    jobs = topology.exchange("jobs")
    assert jobs is not None and jobs.type is ExchangeType.TOPIC and not jobs.durable
    route = topology.routes[1]
    assert (route.exchange, route.routing_key, route.queue) == ("jobs", "jobs.report", None)
    assert str(route.origin) == "r.yaml:9:3"
    assert topology.schedule[0].kwargs == (("z", 3),)


def test_file_is_found_by_option_then_environment_then_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOPOLOGY_FILE", "/from/env.yaml")
    assert topology_path("given.yaml") == Path("given.yaml")
    assert topology_path() == Path("/from/env.yaml")
    monkeypatch.delenv("TOPOLOGY_FILE")
    assert topology_path() == Path("routing.yaml")


def test_routing_key_typo_is_caught_before_any_task_is_lost() -> None:
    found = problems(
        """\
        exchanges: {for_task_B: {type: direct}}
        queues:
          for_task_B: {bindings: [{exchange: for_task_B, routing_key: for_task_B}]}
        routes:
          tasks.taskB: {exchange: for_task_B, routing_key: for_task_b}
        default_queue: for_task_B
        unroutable: false
        """
    )
    assert found == [
        "routing.yaml:5:52: route 'tasks.taskB' goes to exchange 'for_task_B' with routing key 'for_task_b', "
        "which no binding matches: its tasks would be dropped"
    ]


def test_every_problem_is_reported_in_one_run_in_file_order() -> None:
    found = problems(
        """\
        exchanges:
          a: {type: direct, colour: red}
          b: {type: nope}
        queues:
          q: {bindings: [{exchange: missing, routing_key: k}]}
        routes:
          t1: {queue: gone}
          t2: 7
        default_queue: absent
        """
    )
    lines = [int(p.split(":")[1]) for p in found]
    assert lines == [2, 3, 5, 7, 8, 9], found
    assert lines == sorted(lines)


def test_unreadable_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(InvalidTopology) as caught:
        load_topology(tmp_path / "absent.yaml")
    assert (
        str(caught.value) == f"{tmp_path / 'absent.yaml'}:1:1: cannot read the topology file: No such file or directory"
    )


INDEPENDENT = """\
app: tests.fixtures.legacy_app
exchanges:
  jobs: {type: direct}
queues:
  work: {bindings: [{exchange: jobs, routing_key: work}], durabel: true}
routes:
  legacy.tasks.sendmail: {queue: wrok}
  legacy.reports.daily: {exchange: jobs, routing_key: nowhere}
default_queue: work
"""


def test_validate_reports_every_independent_problem_in_one_run_with_what_was_meant(tmp_path: Path) -> None:
    """An unknown key hides neither a misspelt queue, nor a route that reaches no queue, nor a task name the
    app does not register; each says what was probably meant."""
    path = tmp_path / "routing.yaml"
    path.write_text(INDEPENDENT)
    with pytest.raises(InvalidTopology) as raised:
        check(str(path), None)
    said = [(p.origin.line if p.origin else 0, p.message) for p in raised.value.problems]
    assert (5, "unknown key 'durabel' (did you mean 'durable'?)") in said
    assert any(line == 7 and "queue 'wrok', which is not declared (did you mean 'work'?)" in m for line, m in said)
    assert any(line == 7 and "(did you mean 'legacy.tasks.send_email'?)" in m for line, m in said)
    assert any(line == 8 and "routing key 'nowhere', which no binding matches" in m for line, m in said)


def test_a_setting_that_does_not_parse_is_not_followed_by_what_it_would_cause() -> None:
    """A routing key set aside for its bad value would make its route reach no queue: only names are checked."""
    text = INDEPENDENT.replace(", durabel: true", "").replace("routing_key: work}", "routing_key: [work, {x: 1}]}")
    found = problems(text)
    assert not any("no binding matches" in p for p in found) and any("'wrok'" in p for p in found)

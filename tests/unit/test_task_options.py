"""What a task names itself (`@app.task(queue=...)`, a Task class's attributes) and what a call names
(`routes --queue/--exchange/--routing-key`), against the file: `validate --app` says which wins, with the
file's line and the task's place in the app's code; `routes` answers where such a call lands. The model behind
both is compared with Celery's own router in tests/unit/test_precedence.py, and with RabbitMQ in
tests/live/test_precedence.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import envelope
from tests.unit.test_app_routes import CONFIGURED, app_module
from topology.cli.main import main
from topology.commands.validate import check
from topology.errors import InvalidTopology

pytestmark = [
    pytest.mark.filterwarnings("ignore:\\s*The .* task attribute is deprecated"),
    # tests that imported the seed's `tasks` before left its shared tasks to every app that finalizes after: the
    # apps here register the same names again (the same routes: nothing changes for what is tested)
    pytest.mark.filterwarnings("ignore::celery.exceptions.DuplicateTaskNameWarning"),
]
OWN = """
@app.task(name="mine.own_queue", shared=False, queue="for_task_B")
def own_queue(x): return x
@app.task(name="tasks.own_over_route", shared=False, queue="for_task_B")
def own_over_route(x): return x
from celery import Task
class KeyAlone(Task):
    routing_key = "for_task_B"
@app.task(name="mine.key_alone", shared=False, base=KeyAlone)
def key_alone(x): return x
"""


def place(app: str, text: str) -> str:
    """`app.py:line` of the first line of the app's module that holds `text`."""
    lines = (Path(f"{app}.py")).read_text().splitlines()
    return f"{app}.py:{next(i for i, line in enumerate(lines, 1) if text in line)}"


def test_a_tasks_own_queue_over_a_route_and_an_option_celery_ignores_are_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_module(tmp_path, monkeypatch, CONFIGURED.replace("{extra}", "") + OWN)
    routing = tmp_path / "routing.yaml"
    routing.write_text(
        routing.read_text().replace(
            "  tasks.taskB: for_task_B\n", "  tasks.taskB: for_task_B\n  tasks.own_over_route: for_task_A\n"
        )
    )
    checked = check("routing.yaml", app)
    warnings = [str(w) for w in checked.loaded.warnings]
    assert (
        "routing.yaml:15:3: warning: task 'tasks.own_over_route' sets queue='for_task_B' "
        f"({place(app, 'tasks.own_over_route')}), which wins over route 'tasks.own_over_route' (to 'for_task_A') for "
        "every call that names no destination: its tasks land in 'for_task_B'"
    ) in warnings
    assert (
        "routing.yaml:16:16: warning: task 'mine.key_alone' sets routing_key='for_task_B' "
        f"({place(app, 'routing_key =')}): "
        "Celery does not follow the task's routing_key: a queue on a direct exchange ('default') is published to by "
        "its name unless an exchange and a routing key are both named; its tasks land in 'default'"
    ) in warnings
    assert not any("mine.own_queue" in w for w in warnings)  # no route of the file to override: nothing to say


def test_a_tasks_own_queue_the_file_lacks_is_an_error_at_the_file_and_the_tasks_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lacking = '\n@app.task(name="mine.lost", shared=False, queue="nowhere")\ndef lost(x): return x\n'
    app = app_module(tmp_path, monkeypatch, CONFIGURED.replace("{extra}", "") + lacking)
    with pytest.raises(InvalidTopology) as raised:
        check("routing.yaml", app)
    assert [str(p) for p in raised.value.problems] == [
        f"routing.yaml:15:16: task 'mine.lost' sets queue='nowhere' ({place(app, 'mine.lost')}), but queue 'nowhere' "
        "is not in the file: Celery raises QueueNotFound at the caller, for every call that names no destination of "
        "its own: declare it in the file, or change the task's option"
    ]


def test_a_beat_entrys_queue_lost_to_the_tasks_own_exchange_and_key_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = """
@app.task(name="mine.keyed", shared=False, exchange="for_task_A", routing_key="for_task_A")
def keyed(x): return x
"""
    app = app_module(tmp_path, monkeypatch, CONFIGURED.replace("{extra}", "") + named)
    routing = tmp_path / "routing.yaml"
    routing.write_text(routing.read_text() + "  keyed: {task: mine.keyed, every: 60, args: [1], queue: for_task_B}\n")
    with pytest.raises(InvalidTopology) as raised:
        check("routing.yaml", app)
    assert [str(p) for p in raised.value.problems if "keyed" in str(p)] == [
        "routing.yaml:20:3: schedule entry 'keyed' names queue 'for_task_B', but task 'mine.keyed' sets "
        f"exchange='for_task_A', routing_key='for_task_A' ({place(app, 'mine.keyed')}), which Celery follows over "
        "the entry's queue: Celery does not follow the call's queue: the task's exchange 'for_task_A' and routing "
        "key 'for_task_A' win over it; its tasks land in 'for_task_A'"
    ]


SEED_FILE = Path(__file__).resolve().parents[2] / "routing.yaml"


def routes(*args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["routes", "-f", str(SEED_FILE), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = envelope(result.stdout)["data"]["tasks"]
    return rows


@pytest.mark.parametrize(
    ("args", "rule", "exchange", "queues", "decided_by"),
    [
        (["--queue", "for_task_B"], "call: queue='for_task_B'", "for_task_B", ["for_task_B"], {"queue": "call"}),
        ([], "tasks.taskA", "for_task_A", ["for_task_A"], {"queue": "route"}),
        (
            ["--exchange", "for_task_B", "--routing-key", "for_task_B"],
            "call: exchange='for_task_B', routing_key='for_task_B'",
            "for_task_B",
            ["for_task_B"],
            {"queue": "route", "exchange": "call", "routing_key": "call"},
        ),
        (
            ["--routing-key", "for_task_B"],
            "tasks.taskA",
            "for_task_A",
            ["for_task_A"],
            {"queue": "route", "routing_key": "call"},
        ),
    ],
)
def test_routes_answers_where_a_call_naming_a_destination_lands(
    args: list[str], rule: str, exchange: str, queues: list[str], decided_by: dict[str, str]
) -> None:
    (row,) = routes("tasks.taskA", *args)
    assert (row["rule"], row["exchange"], row["queues"], row["decided_by"]) == (rule, exchange, queues, decided_by)
    assert (row["ignored"] == ["routing_key"]) is (args == ["--routing-key", "for_task_B"])


def test_routes_says_a_call_naming_a_queue_the_file_lacks_is_refused() -> None:
    (row,) = routes("tasks.add", "--queue", "nope")
    assert (row["queues"], row["exchange"], row["through"]) == ([], None, None)
    assert row["refused"] == "queue 'nope' is not in the file: Celery raises QueueNotFound at the caller"
    text = CliRunner().invoke(main, ["routes", "-f", str(SEED_FILE), "tasks.add", "--queue", "nope"])
    assert "REFUSED" in text.stdout and "tasks.add: queue 'nope' is not in the file" in text.stdout


def test_routes_live_takes_no_call_options() -> None:
    result = CliRunner().invoke(main, ["routes", "-f", str(SEED_FILE), "--live", "--queue", "default"])
    assert result.exit_code == 2 and "--live follows the file's routes" in result.stderr

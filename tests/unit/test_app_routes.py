"""validate asks the Celery app's own router where each task goes: an app with task_routes of its own, or one
not configured from routing.yaml at all, is caught even though it registers the very same task names."""

from __future__ import annotations

import textwrap
import uuid
from pathlib import Path

import pytest

from tests.conftest import ROOT
from topology.commands.validate import check
from topology.errors import InvalidTopology
from topology.language.loader import FILE_ENV

CONFIGURED = """\
from celery import Celery
from topology.celery_adapter.config import configure
from topology.language.loader import load_topology
app = configure(Celery("{name}", set_as_current=False), load_topology())
{extra}
@app.task(name="tasks.taskA", shared=False)
def a(x, y): return x * y
@app.task(name="tasks.taskB", shared=False)
def b(x, y, z): return x + y + z
@app.task(name="tasks.add", shared=False)
def add(x, y): return x + y
"""


def app_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> str:
    name = f"app_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source).replace("{name}", name))
    (tmp_path / "routing.yaml").write_text((ROOT / "routing.yaml").read_text().replace("app: tasks", "#"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(FILE_ENV, str(tmp_path / "routing.yaml"))  # importing the app sets it: restored after
    return name


def problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, app: str | None = None) -> list[str]:
    app = app or app_module(tmp_path, monkeypatch, source)
    with pytest.raises(InvalidTopology) as raised:
        check("routing.yaml", app)
    return [str(p) for p in raised.value.problems]


def test_an_app_configured_from_the_file_sends_every_task_where_the_file_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_module(tmp_path, monkeypatch, CONFIGURED.replace("{extra}", ""))
    checked = check("routing.yaml", app)
    assert checked.tasks is not None and set(checked.tasks.sent_to) == {"tasks.taskA", "tasks.taskB", "tasks.add"}
    assert not [w for w in checked.loaded.warnings if "routes by settings of its own" in w.message]


def test_an_app_with_a_task_route_of_its_own_is_one_error_naming_the_task_and_the_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = 'app.conf.task_routes = {**app.conf.task_routes, "tasks.taskA": {"queue": "for_task_B"}}'
    app = app_module(tmp_path, monkeypatch, CONFIGURED.replace("{extra}", extra))
    found = problems(tmp_path, monkeypatch, CONFIGURED.replace("{extra}", extra), app)
    mine = [p for p in found if "routes by settings of its own" in p]
    assert len(mine) == 1
    assert (
        f"the Celery app {app!r} routes by settings of its own: 'tasks.taskA' lands in 'for_task_B', routing.yaml "
        "(route 'tasks.taskA') in 'for_task_A' lands elsewhere than routing.yaml says"
    ) in mine[0]
    assert f"in {app}.py, configure it from the file" in mine[0] and "configure(app, load_topology())" in mine[0]


UNCONFIGURED = CONFIGURED.replace("app = configure(", "app = (").replace(", load_topology())", ")")
ROUTING_OF_ITS_OWN = "from kombu import Exchange, Queue\n" + UNCONFIGURED.replace(
    "{extra}",
    "names = ('for_task_A', 'for_task_B', 'default')\n"
    "app.conf.task_queues = [Queue(n, Exchange(n), routing_key=n) for n in names]\n"
    'app.conf.task_default_queue = "default"\n'
    'app.conf.task_routes = {"tasks.taskA": "for_task_A", "tasks.taskB": "for_task_B"}',
)
"""An app not configured from the file, with settings of its own naming the file's queues and routes."""


def test_an_app_not_configured_from_the_file_that_lands_the_same_is_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its own task_routes name the file's queues: Celery sends each through the default exchange straight
    to the queue the file's binding reaches: the same queues, by another path."""
    app = app_module(tmp_path, monkeypatch, ROUTING_OF_ITS_OWN)
    checked = check("routing.yaml", app)
    warned = [str(w) for w in checked.loaded.warnings if "routes by settings of its own" in w.message]
    assert len(warned) == 1 and warned[0].startswith("routing.yaml:")
    assert "its 3 tasks ('tasks.add', 'tasks.taskA', 'tasks.taskB') land in the queues routing.yaml says" in warned[0]


def test_an_app_not_configured_from_the_file_is_one_error_for_every_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = problems(tmp_path, monkeypatch, UNCONFIGURED.replace("{extra}", ""))
    mine = [p for p in found if "routes by settings of its own" in p]
    assert len(mine) == 1 and mine[0].startswith("routing.yaml:")
    assert "'tasks.add' lands in nothing (dropped), routing.yaml (default_queue) in 'default'" in mine[0]
    assert "'tasks.taskA' lands in nothing (dropped), routing.yaml (route 'tasks.taskA') in 'for_task_A'" in mine[0]


OWN_QUEUE = '\n@app.task(name="mine.own_queue", shared=False, queue="{queue}")\ndef own_queue(x): return x\n'
"""A task the seed's `tasks` does not share with every app (its names would be registered again), naming its
own queue."""


@pytest.mark.filterwarnings("ignore:\\s*The .* task attribute is deprecated")  # Celery 6 drops it
def test_a_task_naming_its_own_queue_in_an_app_configured_from_the_file_is_no_finding_of_the_router(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The task's own queue= wins over the file's route in Celery and in the file's model alike: the task
    options' own warning says so (checks/task_options.py); the app's router is not "its own settings"."""
    source = CONFIGURED.replace("{extra}", "") + OWN_QUEUE.replace("{queue}", "for_task_B")
    app = app_module(tmp_path, monkeypatch, source)
    routing = tmp_path / "routing.yaml"
    routing.write_text(
        routing.read_text().replace(
            "  tasks.taskB: for_task_B\n", "  tasks.taskB: for_task_B\n  mine.own_queue: for_task_A\n"
        )
    )
    checked = check("routing.yaml", app)
    assert checked.tasks is not None and checked.tasks.options["mine.own_queue"].named.queue == "for_task_B"
    warnings = [w.message for w in checked.loaded.warnings]
    assert not [w for w in warnings if "routes by settings of its own" in w]
    assert [w for w in warnings if "task 'mine.own_queue' sets queue='for_task_B'" in w and "wins over route" in w]


@pytest.mark.filterwarnings("ignore:\\s*The .* task attribute is deprecated")  # Celery 6 drops it
def test_an_app_not_configured_whose_task_names_its_own_queue_lands_the_same_by_its_own_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's router is asked with the task's own options, as `Task.apply_async` sends them: the task lands
    in its own queue, as the file says of a call that names nothing."""
    app = app_module(tmp_path, monkeypatch, ROUTING_OF_ITS_OWN + OWN_QUEUE.replace("{queue}", "for_task_A"))
    checked = check("routing.yaml", app)
    warned = [str(w) for w in checked.loaded.warnings if "routes by settings of its own" in w.message]
    assert len(warned) == 1
    assert "its 4 tasks ('mine.own_queue', 'tasks.add', 'tasks.taskA', 'tasks.taskB') land in the queues" in warned[0]

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


def problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> list[str]:
    app = app_module(tmp_path, monkeypatch, source)
    with pytest.raises(InvalidTopology) as raised:
        check("routing.yaml", app)
    return [str(p) for p in raised.value.problems]


FIX = "configure the app from routing.yaml (topology.celery_adapter.config.configure) and leave task_routes to it"


def test_an_app_configured_from_the_file_sends_every_task_where_the_file_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_module(tmp_path, monkeypatch, CONFIGURED.replace("{extra}", ""))
    checked = check("routing.yaml", app)
    assert checked.tasks is not None and set(checked.tasks.sent_to) == {"tasks.taskA", "tasks.taskB", "tasks.add"}


def test_an_app_with_a_task_route_of_its_own_is_caught_for_that_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = 'app.conf.task_routes = {**app.conf.task_routes, "tasks.taskA": {"queue": "for_task_B"}}'
    assert problems(tmp_path, monkeypatch, CONFIGURED.replace("{extra}", extra)) == [
        "routing.yaml:13:3: task 'tasks.taskA': the Celery app '"
        + app_name(tmp_path)
        + "' sends it to exchange 'for_task_B' with routing key 'for_task_B', but routing.yaml (route 'tasks.taskA') "
        f"sends it to exchange 'for_task_A' with routing key 'for_task_A': {FIX}"
    ]


def test_an_app_not_configured_from_the_file_is_caught_for_every_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unconfigured = CONFIGURED.replace("app = configure(", "app = (").replace(", load_topology())", ")")
    found = problems(tmp_path, monkeypatch, unconfigured.replace("{extra}", ""))
    assert [p.split(": ", 1)[0] for p in found] == ["routing.yaml:13:3", "routing.yaml:14:3", "routing.yaml:15:16"]
    assert (
        "sends it to queue 'celery' through the default exchange, but routing.yaml (default_queue) sends it "
        in (found[2])
    )


def app_name(tmp_path: Path) -> str:
    return next(p.stem for p in tmp_path.glob("app_*.py"))

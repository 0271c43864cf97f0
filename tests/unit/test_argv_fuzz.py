"""Fuzzing the command line: any list of arguments is an exit code of 0-3 with its meaning, never a traceback,
and never echoes a password, wherever a URL was typed (an argument, a file name, an app, an output path).

Command lines are generated from the CLI's own options (each command's, with and without values, in any
order, repeated or conflicting), values from a pool of hostile ones (empty, unicode, huge, nan, paths that
cannot be written, URLs with a password) and junk. They run in process, each in a folder of its own, with
every broker and management URL unreachable (the machine's RabbitMQ answers on the default ports: nothing
here may reach it). `scripts/test --fuzz` runs thousands; the normal suite runs a sample, and the command
lines measured before they were fixed, one by one.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, SEED
from topology.cli.main import main

SECRET = "QZ7XJ9KW"
UNREACHABLE = f"amqp://u:{SECRET}@127.0.0.1:1/v"
UNREACHABLE_API = f"http://u:{SECRET}@127.0.0.1:1"
FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)

VALUES = [
    "",
    " ",
    "-",
    "--",
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "1e309",
    "9" * 400,
    "é" * 50,
    "队列",
    "\u202e",
    "x" * 10_000,
    "json",
    "text",
    "svg",
    "png",
    "dot",
    "mermaid",
    "yaml",
    "5m",
    "30s",
    "shop.charge_card",
    "shop.chrage_card",
    "default",
    "for_task_A",
    "no.such.task",
    "routing.yaml",
    "missing.yaml",
    "out.svg",
    "out.png",
    "out.txt",
    "out.json",
    "no-such-folder/out.svg",
    "/dev/full",
    "/dev/null",
    ".",
    "/",
    "tests.fixtures.legacy_app",
    "tests.fixtures.modern_celeryconfig",
    "no_such_module_xyz",
    UNREACHABLE,
    f"{UNREACHABLE};127.0.0.1:2",
    UNREACHABLE_API,
    f"amqp://u:{SECRET}@",
    f"u:{SECRET}@127.0.0.1:1",
]
JUNK = ["--bogus", "-Z", "--format=json", "--format", "--help", "--version", "=", "-o", "-f", "--yes"]


def _options_of(command: click.Command) -> list[tuple[str, bool, list[str]]]:
    """Each option of `command`: a way to write it, whether it is a flag, and the values it may take."""
    found = []
    for param in command.params:
        if not isinstance(param, click.Option):
            continue
        choices = list(param.type.choices) if isinstance(param.type, click.Choice) else []
        for name in param.opts:
            found.append((name, param.is_flag, [str(c) for c in choices]))
    return found


SERVING = {"serve"}
"""Commands that run until stopped, given valid options: not run in process here (their usage errors are
measured below, their runs in tests/live/test_watch.py)."""
COMMANDS = {name: _options_of(command) for name, command in main.commands.items() if name not in SERVING}
GLOBAL = _options_of(main)


POSITIONAL = {
    "routes": ["tasks.taskA", "tasks.tsakA", "tasks.add", "no.such.task", "", "队列"],  # names, never imported
    "import-celery": ["tests.fixtures.legacy_app", "tests.fixtures.modern_celeryconfig", "no_such_module_xyz", ""],
    "apply": ["missing-plan.json", "routing.yaml", ".", "/dev/null"],
}


@st.composite
def tokens_for(draw: st.DrawFn, options: list[tuple[str, bool, list[str]]], command: str = "") -> list[str]:
    """Mostly the command's own options with values they might take, now and then anything at all."""
    tokens: list[str] = []
    count = draw(st.integers(min_value=0, max_value=4))
    if command in POSITIONAL and draw(st.booleans()):
        tokens.append(draw(st.sampled_from(POSITIONAL[command])))
    for _ in range(count):
        kind = draw(st.integers(0, 19))
        if kind < 16 and options:
            name, flag, choices = draw(st.sampled_from(options))
            tokens.append(name)
            if not flag and draw(st.integers(0, 19)):  # now and then the value is left out
                fitting = choices if choices and draw(st.integers(0, 4)) > 0 else VALUES
                tokens.append(draw(st.sampled_from(fitting)))
        elif kind < 18:
            tokens.append(draw(st.sampled_from(VALUES)))
        else:
            tokens.append(draw(st.one_of(st.sampled_from(JUNK), st.text(max_size=12))))
    return tokens


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    before = draw(tokens_for(GLOBAL)) if not draw(st.integers(0, 3)) else []
    if draw(st.integers(0, 39)) == 0:
        return before  # no command at all
    name = draw(st.sampled_from(sorted(COMMANDS))) if draw(st.integers(0, 9)) else draw(st.sampled_from(JUNK_NAMES))
    return [*before, name, *draw(tokens_for(COMMANDS.get(name, GLOBAL), name))]


JUNK_NAMES = ["", "bogus", "plan2", "队列", f"u:{SECRET}@127.0.0.1:1"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of its own as the working directory, the seed's file in it (without its app: other tests
    register the seed's task names in apps of their own), and no broker reachable."""
    (tmp_path / "routing.yaml").write_text(
        "".join(line for line in SEED.splitlines(True) if not line.startswith("app:"))
    )
    (tmp_path / "tests").symlink_to(ROOT / "tests")  # the fixtures' apps, importable from here
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE)
    monkeypatch.setenv("RABBITMQ_MANAGEMENT_URL", UNREACHABLE_API)
    monkeypatch.delenv("TOPOLOGY_FILE", raising=False)
    return tmp_path


def run(args: list[str]) -> Result:
    """In process; what a run changes of the process for its own sake (the cyclic collector off, an app's
    folder on sys.path and its file in $TOPOLOGY_FILE, as `celery -A` would) is put back for the next."""
    path, environ = list(sys.path), dict(os.environ)
    try:
        return CliRunner().invoke(main, args)
    finally:
        gc.enable()
        sys.path[:] = path
        os.environ.clear()
        os.environ.update(environ)


def assert_clean(args: list[str], result: Result) -> None:
    shown = f"{args!r}\n{result.stdout}{result.stderr}"
    raised = result.exception
    assert raised is None or isinstance(raised, SystemExit), f"{shown}\n{raised!r}"
    assert result.exit_code in (0, 1, 2, 3), shown
    assert not any(SECRET[i : i + 4] in result.stdout + result.stderr for i in range(len(SECRET) - 3)), shown


@pytest.mark.fuzz
@settings(FUZZ, max_examples=2500)
@given(args=command_lines())
def test_any_command_line_exits_0_to_3_without_traceback_or_password(folder: Path, args: list[str]) -> None:
    assert_clean(args, run(args))


@settings(FUZZ, max_examples=150)
@given(args=command_lines())
def test_a_sample_of_command_lines_exits_0_to_3_without_traceback_or_password(folder: Path, args: list[str]) -> None:
    assert_clean(args, run(args))


MEASURED = [
    ([], 2),
    (["plan", f"amqp://u:{SECRET}@h/v"], 2),
    (["-f", f"amqp://u:{SECRET}@h/v", "validate"], 2),
    (["validate", "-A", f"amqp://u:{SECRET}@h/v"], 0),  # the app does not import: said, task names not checked
    (["graph", "-o", f"amqp://u:{SECRET}@h/v.svg"], 2),
    (["graph", "-o", "no-such-folder/out.svg"], 2),
    (["graph", "-o", "."], 2),
    (["graph", "-o", "/dev/full", "--format", "dot"], 2),
    (["export", "-o", "no-such-folder/d.json"], 2),
    (["export", "-o", "/dev/full"], 2),
    (["schema", "-o", "."], 2),
    (["import-celery", "tests.fixtures.legacy_app", "-o", "no-such-folder/r.yaml"], 2),
    (["import-celery", "tests.fixtures.legacy_app", "-o", "/dev/full"], 2),
    (["apply", "--lock-wait", "nan"], 2),
    (["apply", "--lock-wait", "inf"], 2),
    (["graph", "-o", "out.png", "--format", "svg"], 2),
    (["routes", "--broker", "-f", f"amqp://u:{SECRET}@127.0.0.1:1/v"], 2),  # the URL left as a task name
    (["graph", "--focus", f"amqp://u:{SECRET}@h/v", "--format", "dot"], 2),
    (["export", "-o", f"u:{SECRET}@127.0.0.1:1", "--format=json"], 0),  # a file named so: its name shown hidden
    (["graph", "-o", f"u:{SECRET}@h.svg", "--format", "json"], 0),
    (["routes", "--queue", f"amqp://u:{SECRET}@127.0.0.1:1/v"], 2),
    (["import-celery", "tests.fixtures.legacy_app", "-o", f"amqp://u:{SECRET}@127.0.0.1:1/v"], 2),
    (["serve", "--port", "70000", "--broker", f"amqp://u:{SECRET}@127.0.0.1:1/v"], 2),
    (["serve", "--interval", "0.1"], 2),
    (["serve", "-f", "missing.yaml"], 2),
]


@pytest.mark.parametrize(("args", "code"), MEASURED, ids=[" ".join(a) or "(none)" for a, _ in MEASURED])
def test_the_command_lines_that_failed_before_exit_cleanly(folder: Path, args: list[str], code: int) -> None:
    result = run(args)
    assert_clean(args, result)
    assert result.exit_code == code, result.stdout + result.stderr


def test_graph_writes_the_format_its_file_s_extension_names(folder: Path) -> None:
    assert run(["graph", "-o", "routing.png"]).exit_code == 0
    assert (folder / "routing.png").read_bytes().startswith(b"\x89PNG")
    assert run(["graph", "-o", "routing.mmd"]).exit_code == 0
    assert (folder / "routing.mmd").read_text().startswith("flowchart")
    assert os.path.getsize(folder / "routing.mmd") > 0

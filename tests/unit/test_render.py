"""What inspect and plan print for people, from reports made on a fake session: one line per finding and a
shared fix said once, tasks the nets keep called kept (still exit 1), no client line on every run."""

from __future__ import annotations

import pytest

from tests.unit.test_commands import EMPTY, TOPOLOGY, applied
from tests.unit.test_recover import TOPOLOGY as WITH_NETS
from tests.unit.test_recover import celery_headers
from topology.broker.recover import Read
from topology.cli.render.inspect import INSPECT
from topology.cli.render.plan import PLAN
from topology.codes import ExitCode
from topology.commands.inspect import inspect_command
from topology.commands.plan import plan_command
from topology.planning.kept import kept_task
from topology.planning.observed import LiveState
from topology.testing.fake_session import FakeSession


def printed(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_a_fresh_vhost_says_its_one_fix_once(capsys: pytest.CaptureFixture[str]) -> None:
    result = inspect_command(WITH_NETS, FakeSession(LiveState("v", {}, {}, frozenset())), require_consumers=False)
    INSPECT.text(result)
    lines = printed(capsys)
    missing = [line for line in lines if line.startswith("error   missing_")]
    fixes = [line.strip() for line in lines if "fix" in line and "apply" in line]
    assert len(missing) > 5 and fixes == [f"fix (all {len(missing)} above): run `python -m topology apply`"]


def test_inspect_does_not_say_which_amqp_client_on_every_run(capsys: pytest.CaptureFixture[str]) -> None:
    INSPECT.text(inspect_command(TOPOLOGY, FakeSession(applied(), counted={"work": (0, 1)}), require_consumers=False))
    shown = "\n".join(printed(capsys))
    assert "librabbitmq" not in shown and "Celery transport" not in shown  # doctor says it


def test_tasks_the_nets_keep_are_kept_not_drift_and_still_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    kept = kept_task("jobs", "nowhere", celery_headers("tasks.run", "1"), b"", None)
    session = FakeSession(EMPTY, counted={"work": (0, 1), "topology.unroutable": (1, 0)})
    session.kept_in["topology.unroutable"] = Read((kept,), 1)
    session.live = LiveState("v", {}, {}, frozenset())
    result = inspect_command(WITH_NETS, session, require_consumers=False)
    assert result.exit_code is ExitCode.DIFFERS
    INSPECT.text(result)
    lines = printed(capsys)
    assert any(line.startswith("kept    unroutable_tasks") for line in lines)
    assert not any("drift" in line and "unroutable" in line for line in lines)
    assert "1 net keeping tasks" in lines[-1]


def test_a_new_exchange_counts_its_binding_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    PLAN.text(plan_command(TOPOLOGY, FakeSession(EMPTY), recreate=False, prune=False, force=False))
    assert "create    exchange jobs (and its 1 binding)" in printed(capsys)

"""Version-aware rules: which table a version picks, the file's `rabbitmq:` target and `--rabbitmq-version`,
what each version refuses, and the quorum delivery limit in effect. (Each table is read off its broker in
tests/live/test_broker_rules.py.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, envelope
from topology.checks.versions import (
    NEWEST,
    RABBITMQ_3_10,
    RABBITMQ_4_0,
    RABBITMQ_4_3,
    SUPPORTED,
    TargetFrom,
    broker_target,
    rules_for,
    target,
)
from topology.errors import InvalidTopology
from topology.language.loader import check_text
from topology.planning.delivery_limits import LimitFrom, delivery_limits

MASTER_LOCATOR = """\
queues:
  q: {arguments: {x-queue-master-locator: client-local}}
default_queue: q
unroutable: false
dead_letters: false
"""


@pytest.mark.parametrize(
    ("version", "series"),
    [("3.10.8", "3.10"), ("3.13.7", "3.10"), ("3.9.1", "3.10"), ("4.0.5", "4.0"), ("4.2.1", "4.0"),
     ("4.3.6", "4.3"), ("5.1.0", "4.3"), (None, "4.3"), ("garbage", "4.3")],
)  # fmt: skip
def test_a_version_picks_the_newest_supported_series_not_newer_than_it(version: str | None, series: str) -> None:
    assert rules_for(version).series == series


def test_the_flag_wins_over_the_file_which_wins_over_the_newest() -> None:
    assert target("3.10", "4.0").rules is RABBITMQ_3_10 and target("3.10", "4.0").source is TargetFrom.FLAG
    assert target(None, "4.0").rules is RABBITMQ_4_0 and target(None, "4.0").source is TargetFrom.FILE
    assert target(None, None).rules is NEWEST and target(None, None).source is TargetFrom.DEFAULT
    from_broker = broker_target("4.0.5", target(None, None))
    assert from_broker.rules is RABBITMQ_4_0 and "4.0.5" in from_broker.described
    assert broker_target(None, target(None, "3.10")).rules is RABBITMQ_3_10


def test_the_master_locator_is_an_error_on_4_3_only_and_the_file_target_decides() -> None:
    check_text("rabbitmq: '4.0'\n" + MASTER_LOCATOR)
    check_text(MASTER_LOCATOR, rabbitmq="3.10")
    with pytest.raises(InvalidTopology) as refused:
        check_text(MASTER_LOCATOR)  # the newest: 4.3
    assert [str(p) for p in refused.value.problems] == [
        "routing.yaml:2:19: queue 'q': x-queue-master-locator: "
        + RABBITMQ_4_3.closing_arguments["x-queue-master-locator"]
    ]
    check_text(MASTER_LOCATOR, versioned=False)  # left for the broker's version


def test_the_leader_locator_on_a_classic_queue_is_refused_on_3_10_only() -> None:
    text = MASTER_LOCATOR.replace("x-queue-master-locator", "x-queue-leader-locator")
    check_text(text, rabbitmq="4.0")
    with pytest.raises(InvalidTopology, match="x-queue-leader-locator is not accepted on classic queues"):
        check_text(text, rabbitmq="3.10")


def test_ha_policy_keys_and_queue_version_1_are_refused_where_removed() -> None:
    text = """\
queues:
  q: {queue_version: 1}
default_queue: q
policies:
  mirrored: {queues: [q], definition: {ha-mode: all}}
unroutable: false
dead_letters: false
"""
    check_text(text, rabbitmq="3.10")
    with pytest.raises(InvalidTopology) as on_4_0:
        check_text(text, rabbitmq="4.0")
    assert [p.origin.line for p in on_4_0.value.problems if p.origin] == [5]
    with pytest.raises(InvalidTopology) as on_4_3:
        check_text(text, rabbitmq="4.3")
    assert sorted(p.origin.line for p in on_4_3.value.problems if p.origin) == [2, 5]


@pytest.mark.parametrize(
    ("value", "message"),
    [("3.10", 'write the version as text, quoted: rabbitmq: "3.1"'), ("'4.1'", "'4.1' is not a supported version")],
)
def test_a_target_that_is_not_a_supported_series_is_an_error_at_its_line(value: str, message: str) -> None:
    with pytest.raises(InvalidTopology) as refused:
        check_text(f"queues: {{q: {{}}}}\ndefault_queue: q\nrabbitmq: {value}\n")
    (problem,) = refused.value.problems
    assert problem.origin is not None and problem.origin.line == 3 and message in problem.message


def test_the_delivery_limit_in_effect_is_the_argument_the_policy_or_the_versions_default() -> None:
    text = """\
queues:
  own: {type: quorum, delivery_limit: 5}
  by_policy: {type: quorum}
  both: {type: quorum, delivery_limit: 9}
  plain: {type: quorum}
  classic: {}
default_queue: classic
policies:
  limited: {pattern: "^(by_policy|both)$", delivery_limit: 7}
dead_letters: false
"""
    topology = check_text(text).topology
    shown = {d.queue: (d.limit, d.source) for d in delivery_limits(topology, RABBITMQ_4_3)}
    assert shown == {
        "own": (5, LimitFrom.ARGUMENT),
        "by_policy": (7, LimitFrom.POLICY),
        "both": (7, LimitFrom.POLICY),
        "plain": (20, LimitFrom.DEFAULT),
    }
    assert {d.queue: d.limit for d in delivery_limits(topology, RABBITMQ_3_10)}["plain"] is None


def _validate(tmp_path: Path, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    file = tmp_path / "routing.yaml"
    file.write_text(text)
    command = [sys.executable, "-m", "topology", "validate", "-f", str(file), *args]
    env = {"PATH": "/usr/bin:/bin", "TOPOLOGY_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)


def test_validate_says_which_version_it_checked_against_in_text_and_json(tmp_path: Path) -> None:
    default = _validate(tmp_path, MASTER_LOCATOR.replace("master", "leader"))
    assert default.returncode == 0, default.stderr
    assert f"checked against RabbitMQ {NEWEST.series} (the newest supported" in default.stdout
    flagged = _validate(tmp_path, MASTER_LOCATOR, "--rabbitmq-version", "4.0", "--format", "json")
    assert flagged.returncode == 0, flagged.stderr
    assert envelope(flagged.stdout)["data"]["rabbitmq"] == {"series": "4.0", "from": "flag", "version": None}
    refused = _validate(tmp_path, MASTER_LOCATOR, "--format", "json")
    assert refused.returncode == 2 and "x-queue-master-locator" in refused.stderr
    unknown = _validate(tmp_path, MASTER_LOCATOR, "--rabbitmq-version", "4.1")
    assert unknown.returncode == 2 and ", ".join(SUPPORTED) in unknown.stderr

"""One consistent CLI: plan and inspect agree on drift, every command's JSON is the one envelope, and
every fix names the command that fixes it (run here, to see that it does)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import SEED, envelope
from tests.live.conftest import Broker

GROWN = SEED.replace("queues:\n", "queues:\n  retired:    {bindings: [{exchange: for_task_A, routing_key: retired}]}\n")


def identity(record: dict[str, Any]) -> tuple[Any, ...]:
    return (record["code"], record["kind"], record["name"], record["source"], record["destination"], record["property"])


def by_hand_extra(broker: Broker) -> None:
    with broker.connection() as connection:
        connection.channel().queue_declare("by-hand", durable=True)


def changed_queue(broker: Broker) -> None:
    with broker.connection() as connection:
        channel = connection.channel()
        channel.queue_delete("for_task_B")
        channel.queue_declare("for_task_B", durable=False)


def owned_extra(broker: Broker) -> None:
    assert broker.cli("apply", file=broker.write(GROWN, "grown.yaml")).returncode == 0


def nothing(broker: Broker) -> None:
    pass


@pytest.mark.parametrize(
    ("applied", "drift", "expected"),
    [
        (False, nothing, 1),
        (True, nothing, 0),
        (True, by_hand_extra, 1),
        (True, changed_queue, 1),
        (True, owned_extra, 1),
    ],
    ids=["empty-vhost", "in-sync", "extra-by-hand", "changed-queue", "extra-of-ours"],
)
def test_plan_and_inspect_agree_on_drift_and_exit_code(
    broker: Broker, applied: bool, drift: Callable[[Broker], None], expected: int
) -> None:
    file = broker.write(SEED)
    if applied:
        assert broker.cli("apply", file=file).returncode == 0
    drift(broker)
    planned = broker.cli("plan", "--format", "json", file=file)
    inspected = broker.cli("inspect", "--format", "json", file=file)
    assert planned.returncode == inspected.returncode == expected, planned.stdout + inspected.stdout
    plan_findings = sorted(map(identity, envelope(planned.stdout)["findings"]))
    inspect_drift = sorted(identity(f) for f in envelope(inspected.stdout)["findings"] if f["severity"] == "error")
    assert plan_findings == inspect_drift and bool(plan_findings) == bool(expected)


def test_plan_prune_points_to_apply_prune_which_leaves_nothing_to_do(broker: Broker) -> None:
    file = broker.write(SEED)
    owned_extra(broker)
    planned = broker.cli("plan", "--prune", file=file)
    assert planned.returncode == 1 and planned.stdout.splitlines()[-1].endswith(
        "run `python -m topology apply --prune`"
    )
    fix = planned.stdout.splitlines()[-1].split("`")[1].split()
    unasked = broker.cli(*fix[3:], file=file)  # the command it names, as it names it: it deletes, so it asks
    assert unasked.returncode == 2 and "pass --yes" in unasked.stderr
    assert broker.cli(*fix[3:], "--yes", file=file).returncode == 0
    assert broker.cli("plan", "--prune", file=file).returncode == 0


def test_an_extra_queue_of_ours_says_apply_prune_and_one_made_by_hand_is_not_promised_to_prune(broker: Broker) -> None:
    file = broker.write(SEED)
    owned_extra(broker)
    by_hand_extra(broker)
    fixes = {
        f["name"]: f["fix"] for f in envelope(broker.cli("plan", "--format", "json", file=file).stdout)["findings"]
    }
    assert fixes["retired"] == "run `python -m topology apply --prune` to delete it, or add it to routing.yaml"
    assert fixes["by-hand"] == "delete it by hand or add it to routing.yaml"


def test_an_x_argument_change_names_a_policy_as_the_way_to_change_it_in_place(broker: Broker) -> None:
    file = broker.write(SEED)
    assert broker.cli("apply", file=file).returncode == 0
    limited = SEED.replace("for_task_A: {bindings", "for_task_A: {max_length: 100, bindings")
    planned = broker.cli("plan", "--format", "json", file=broker.write(limited, "limited.yaml"))
    [finding] = envelope(planned.stdout)["findings"]
    assert (finding["property"], finding["found"], finding["wanted"]) == ("x-max-length", None, 100)
    assert "apply --recreate" in finding["fix"] and "set x-max-length by a policy" in finding["fix"]
    assert "`max_length`" in finding["fix"] and "policies:" in finding["fix"]


def test_a_consumed_queue_refused_by_recreate_is_told_to_stop_its_consumers_and_run_recreate_again(
    broker: Broker,
) -> None:
    file = broker.write(SEED)
    changed_queue(broker)
    with broker.connection() as connection:
        channel = connection.channel()
        channel.basic_consume("for_task_B", lambda *_: None)
        applied = broker.cli("apply", "--recreate", "--yes", "--format", "json", file=file)
    [conflict] = [c for c in envelope(applied.stdout)["changes"] if c["action"] == "conflict"]
    assert conflict["fix"].startswith("stop its 1 consumer (the workers consuming it), then run ")
    assert "`python -m topology apply --recreate` again" in conflict["fix"] and "purge_queue" not in conflict["fix"]


ON_THE_BROKER = [
    ["plan"],
    ["apply"],
    ["inspect"],
    ["doctor"],
    ["workers"],
    ["dead-letters"],
    ["replay"],
    ["adopt"],
    ["routes", "--live"],
    ["graph", "--live"],
]
"""Every command that talks to the broker: its envelope names the broker and the vhost."""
OFF_THE_BROKER = [["validate"], ["routes"], ["graph"], ["schema"], ["import-celery", "tasks"]]


def test_every_command_prints_the_one_envelope_in_json_errors_included(broker: Broker) -> None:
    file = broker.write(SEED)
    for args in [*ON_THE_BROKER, *OFF_THE_BROKER]:
        result = broker.cli(*args, "--format", "json", file=file)
        data = envelope(result.stdout)  # validated against topology/cli/envelope.schema.json
        assert (data["command"], data["exit_code"], data["ok"]) == (args[0], result.returncode, result.returncode == 0)
        on_broker = args in ON_THE_BROKER
        assert (data["vhost"], data["broker"] is not None) == (broker.vhost if on_broker else None, on_broker), args
        assert data["broker"] is None or ":***@" in data["broker"]  # never its password
    exported = envelope(broker.cli("export", "--format", "json", file=file).stdout)
    assert exported["vhost"] == broker.vhost and exported["broker"] is None  # written for the vhost, nothing read
    bad = broker.write(SEED.replace("routing_key: for_task_B}", "routing_key: for_task_B, colour: red}"), "bad.yaml")
    for command in ("validate", "routes", "plan", "apply", "inspect"):
        result = broker.cli(command, "--format", "json", file=bad)
        data = envelope(result.stdout)
        assert result.returncode == data["exit_code"] == 2 and not data["ok"]
        [problem] = data["problems"]
        assert (problem["file"], problem["line"]) == (str(bad), 11) and "colour" in problem["message"]


def test_routes_of_named_tasks_and_the_version(broker: Broker) -> None:
    shown = broker.cli("routes", "tasks.taskB", "tasks.add", "--format", "json", file=broker.write(SEED))
    rows = {row["task"]: row["queues"] for row in envelope(shown.stdout)["data"]["tasks"]}
    assert rows == {"tasks.taskB": ["for_task_B"], "tasks.add": ["default"]}
    version = broker.cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("topology ")

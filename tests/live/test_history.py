"""What changed since the last apply, on a real RabbitMQ: apply records itself in the vhost (an argument of
an internal exchange), plan and inspect tell a changed file from a changed broker. A vhost and a git repo per
test."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import SEED
from tests.live.conftest import Broker
from topology.broker.management import segment


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def committed(broker: Broker, text: str) -> tuple[Path, str]:
    repo = broker.tmp / "repo"
    repo.mkdir(exist_ok=True)
    if not (repo / ".git").exists():
        git(repo, "init", "-q")
    path = repo / "routing.yaml"
    path.write_text(text)
    git(repo, "add", "routing.yaml")
    git(repo, "commit", "-q", "-m", "routing")
    return path, git(repo, "rev-parse", "HEAD")


def since(broker: Broker, command: str, path: Path) -> dict[str, object]:
    ran = broker.cli(command, "--format", "json", "-f", str(path))
    assert ran.returncode in (0, 1), ran.stderr
    return dict(json.loads(ran.stdout)["data"]["since_last_apply"])


def test_apply_records_and_plan_tells_a_changed_file_from_a_changed_broker(broker: Broker) -> None:
    path, first = committed(broker, SEED)
    before = since(broker, "plan", path)
    assert before["last_apply"] is None and "no apply recorded" in str(before["message"])
    applied = broker.cli("apply", "-f", str(path))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    record = broker.management().state(broker.vhost).recorded
    assert record is not None and record.commit == first and record.dirty is False and len(record.sha256) == 64

    unchanged = broker.cli("plan", "-f", str(path))
    assert unchanged.returncode == 0 and "unchanged since the last apply" in unchanged.stdout
    assert first[:12] in unchanged.stdout

    path, second = committed(broker, SEED.replace("every: 10,", "every: 15,"))
    changed = broker.cli("plan", "-f", str(path))
    assert changed.returncode == 0  # a schedule change: nothing to do on the broker, yet the file changed
    assert "routing.yaml changed since the last apply" in changed.stdout
    assert f"commit {first[:12]} -> {second[:12]}" in changed.stdout
    assert f"`git diff {first[:12]} {second[:12]} -- {path}`" in changed.stdout
    path.write_text(SEED.replace("every: 10,", "every: 20,"))
    dirty = since(broker, "plan", path)
    assert dirty["file_changed"] is True and "with uncommitted changes" in str(dirty["message"])

    git(path.parent, "checkout", "-q", "--", "routing.yaml")
    assert broker.cli("apply", "-f", str(path)).returncode == 0
    with broker.connection() as connection:  # by hand, as another client would
        connection.channel().queue_unbind(
            "for_task_A", "for_task_A", "for_task_A", arguments={"x-topology-owner": "topology"}
        )
    drifted = since(broker, "plan", path)
    assert drifted == {**drifted, "file_changed": False, "broker_changed": True}
    assert "the broker changed since the last apply" in str(drifted["message"])
    inspected = since(broker, "inspect", path)
    assert inspected["broker_changed"] is True


def test_the_record_goes_with_its_vhost(broker: Broker) -> None:
    """A vhost deleted and made again under the same name (by hand, as `rabbitmqctl delete_vhost` does) has
    no last apply: nothing says the broker changed since an apply of another vhost."""
    path = broker.write(SEED)
    assert broker.cli("apply", "-f", str(path)).returncode == 0
    management = broker.management()
    assert management.state(broker.vhost).recorded is not None
    management.delete(f"/vhosts/{segment(broker.vhost)}")
    management.create_vhost(broker.vhost)
    fresh = since(broker, "plan", path)
    assert fresh["last_apply"] is None and "no apply recorded" in str(fresh["message"])
    assert "broker changed" not in str(fresh["message"])
    plan = broker.cli("plan", "-f", str(path))
    assert "topology.last-apply" not in plan.stdout  # the record is no object of the vhost's

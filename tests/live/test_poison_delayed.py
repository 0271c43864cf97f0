"""Poison tasks and delayed tasks with real prefork workers, on classic and quorum queues alike.

A task that kills its pool process runs at most max_runs times, then waits in the dead-letter net with its
reason while the tasks behind it run; countdown, eta and retry(countdown=...) reach their workers on every
queue type, through a topic exchange (where Celery's client would choose its `celery_delayed_*` exchanges).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import pytest
from celery import Celery

from tests.live.conftest import Broker, wait_until
from topology.celery_adapter.config import configure
from topology.language.loader import load_topology

DEAD = "topology.dead-letters"
BEHIND = 20


def faults_file(broker: Broker, queue_type: str, queue_max_runs: str = "") -> Path:
    path = broker.write(
        f"""\
        exchanges:
          work: {{type: topic}}
        queues:
          jobs: {{type: {queue_type}, bindings: [{{exchange: work, routing_key: "jobs.#"}}]{queue_max_runs}}}
        routes:
          "faults.*": {{exchange: work, routing_key: jobs.run}}
        default_queue: jobs
        """
    )
    applied = broker.cli("apply", file=path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    return path


def prefork_worker(broker: Broker, file: Path) -> subprocess.Popen[str]:
    """A worker whose task runs in a child process, so that a task can kill that process and not the worker."""
    process = broker.start(
        "worker", "-l", "info", "-P", "prefork", "-c", "1", "-n", f"faults-{broker.vhost}@%h", "-Q", "jobs",
        file=file, app="tests.live.fault_tasks",
    )  # fmt: skip
    wait_until(partial(broker.consumed, "jobs"), "a worker consuming 'jobs'", process)
    return process


@pytest.fixture
def client_of(broker: Broker) -> Iterator[list[Celery]]:
    apps: list[Celery] = []
    yield apps
    for app in apps:
        app.close()


def client(broker: Broker, file: Path, apps: list[Celery]) -> Celery:
    app = configure(Celery("client", set_as_current=False), load_topology(file), broker_url=broker.url)
    apps.append(app)
    return app


def dead_letters(broker: Broker, file: Path) -> list[dict[str, object]]:
    listed = broker.cli("dead-letters", "--format", "json", file=file)
    assert listed.returncode == 0, listed.stderr
    tasks: list[dict[str, object]] = json.loads(listed.stdout)["data"]["tasks"]
    return tasks


@pytest.mark.parametrize(
    ("queue_type", "queue_max_runs", "max_runs"), [("classic", "", 3), ("quorum", ", max_runs: 2", 2)]
)
def test_a_task_that_kills_its_worker_runs_max_runs_times_then_is_dead_lettered_and_the_rest_run(
    broker: Broker, client_of: list[Celery], queue_type: str, queue_max_runs: str, max_runs: int
) -> None:
    file = faults_file(broker, queue_type, queue_max_runs)
    app = client(broker, file, client_of)
    runs = broker.tmp / "runs"
    runs.mkdir()
    poison = app.send_task("faults.die", (str(runs),), expires=600)  # a message TTL the copies keep
    behind = [app.send_task("faults.echo", (i,)) for i in range(BEHIND)]
    prefork_worker(broker, file)
    assert [r.get(timeout=120) for r in behind] == list(range(BEHIND))
    wait_until(lambda: broker.ready(DEAD) == 1, "the poison task in the dead-letter net")
    assert len(list(runs.iterdir())) == max_runs
    assert broker.ready("jobs") == 0
    (kept,) = dead_letters(broker, file)
    assert (kept["task"], kept["id"], kept["queue"]) == ("faults.die", poison.id, "jobs")
    assert kept["reason"] == "rejected"
    # the worker's count travels with a classic queue's copy; a quorum queue adds its count to deliveries only
    assert kept["deliveries"] == max_runs if queue_type == "classic" else kept["deliveries"] in (None, max_runs)
    assert (kept["exchange"], kept["routing_key"]) == ("work", "jobs.run")
    log = (broker.tmp / "celery-0.log").read_text()
    assert f"faults.die[{poison.id}] dead-lettered: {max_runs} deliveries ended without an ack" in log


@pytest.mark.parametrize("queue_type", ["classic", "quorum"])
def test_countdown_eta_and_retry_with_countdown_reach_success_on_every_queue_type(
    broker: Broker, client_of: list[Celery], queue_type: str
) -> None:
    file = faults_file(broker, queue_type)
    app = client(broker, file, client_of)
    prefork_worker(broker, file)
    eta = datetime.now(timezone.utc) + timedelta(seconds=1)
    delayed = [
        app.send_task("faults.echo", (1,), countdown=1),
        app.send_task("faults.echo", (2,), eta=eta),
        app.send_task("faults.retry_once", (3,)),
        app.send_task("faults.echo", (4,)),  # sent on the same connection after the delayed ones
    ]
    assert [r.get(timeout=60) for r in delayed] == [1, 2, 3, 4]
    assert all(r.status == "SUCCESS" for r in delayed)
    assert broker.ready(DEAD) == 0
    assert not [name for name in broker.state().exchanges if name.startswith("celery_delayed")]

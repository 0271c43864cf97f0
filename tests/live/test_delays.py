"""Delayed tasks wait in the broker's delay ladder (celery_adapter/delays.py), not in a worker.

Countdown, eta and expires keep Celery's meaning; while a task waits, its queue is empty and the worker runs
ordinary tasks; a delay whose route went away meanwhile is kept in the unroutable net.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial

import pytest
from celery import Celery
from celery.exceptions import TaskRevokedError

from tests.live.conftest import Broker, wait_until
from tests.live.test_poison_delayed import client, faults_file, prefork_worker

UNROUTABLE = "topology.unroutable"
LADDER = "topology.delay"


@pytest.fixture
def client_of(broker: Broker) -> Iterator[list[Celery]]:
    apps: list[Celery] = []
    yield apps
    for app in apps:
        app.close()


def waiting(broker: Broker) -> dict[str, int]:
    """The ladder's queues that hold tasks, with their counts."""
    levels = [name for name in broker.state().queues if name.startswith(f"{LADDER}.")]
    return {name: n for name in levels if (n := broker.ready(name))}


@pytest.mark.parametrize("queue_type", ["classic", "quorum"])
def test_a_countdown_waits_in_the_ladder_while_ordinary_tasks_run_then_lands_as_an_ordinary_task(
    broker: Broker, client_of: list[Celery], queue_type: str
) -> None:
    file = faults_file(broker, queue_type)
    app = client(broker, file, client_of)
    prefork_worker(broker, file)
    delayed = app.send_task("faults.where", countdown=6)  # 6 s: the levels of 4 and 2 seconds
    ordinary = [app.send_task("faults.echo", (i,)) for i in range(10)]
    assert [r.get(timeout=60) for r in ordinary] == list(range(10))
    # the ordinary tasks are done, the delayed one still waits in the broker, and not in its queue
    assert delayed.status == "PENDING"
    assert sum(waiting(broker).values()) == 1 and set(waiting(broker)) <= {f"{LADDER}.2", f"{LADDER}.1"}
    assert broker.ready("jobs") == 0
    landed = delayed.get(timeout=60)
    assert landed["exchange"].startswith(f"{LADDER}.")  # it came out of the ladder ...
    assert landed["eta"] is not None  # ... with its eta, which the worker found passed: it ran at once
    log = (broker.tmp / "celery-0.log").read_text()
    assert f"Task faults.where[{delayed.id}] received" in log
    assert f"faults.where[{delayed.id}] ETA" not in log.replace("received", "")  # never held by the worker
    assert waiting(broker) == {}


def test_expires_keeps_its_meaning_and_a_long_delay_waits_in_its_levels(
    broker: Broker, client_of: list[Celery]
) -> None:
    file = faults_file(broker, "quorum")
    app = client(broker, file, client_of)
    prefork_worker(broker, file)
    expired = app.send_task("faults.echo", (1,), countdown=3, expires=1)
    later = app.send_task("faults.echo", (2,), countdown=3 * 24 * 3600 + 5)  # three days and 5 seconds
    with pytest.raises(TaskRevokedError):
        expired.get(timeout=60)
    levels = waiting(broker)
    # 259205 = 2^17 + 2^16 + 2^14 + 2^13 + 2^10 + 2^9 + 2^8 + 2^7 + 2^2 + 2^0: it waits in the highest first
    assert levels == {f"{LADDER}.17": 1}
    later.forget()


def test_a_delay_whose_binding_was_removed_meanwhile_is_kept_in_the_unroutable_net(
    broker: Broker, client_of: list[Celery]
) -> None:
    file = faults_file(broker, "classic")
    app = client(broker, file, client_of)
    delayed = app.send_task("faults.echo", (7,), countdown=2)
    with broker.connection() as connection:  # the route goes away while the task waits (apply marks its own)
        connection.channel().queue_unbind("jobs", "work", "jobs.#", arguments={"x-topology-owner": "topology"})
    wait_until(lambda: broker.ready(UNROUTABLE) == 1, "the delayed task in the unroutable net")
    listed = broker.cli("dead-letters", "--unroutable", "--format", "json", file=file)
    kept = json.loads(listed.stdout)["data"]["tasks"]
    assert [(t["id"], t["task"]) for t in kept] == [(delayed.id, "faults.echo")]
    assert broker.ready("jobs") == 0


def test_inspect_counts_the_delayed_tasks_in_one_line(broker: Broker, client_of: list[Celery]) -> None:
    file = faults_file(broker, "quorum")
    app = client(broker, file, client_of)
    for _ in range(3):
        app.send_task("faults.echo", (1,), countdown=600)
    wait_until(partial(lambda: sum(waiting(broker).values()) == 3), "3 tasks in the ladder")
    inspected = broker.cli("inspect", file=file)
    assert "3 tasks delayed" in inspected.stdout, inspected.stdout
    picture = broker.tmp / "live.dot"  # graph draws the ladder as one node with the same count
    drawn = broker.cli("graph", "--live", "-o", str(picture), file=file)
    assert drawn.returncode == 0, drawn.stdout + drawn.stderr
    assert "delay ladder: 23 levels, up to 97 days\\ndelayed 3" in picture.read_text()


def test_a_task_celery_sends_by_name_through_the_default_exchange_is_delivered_to_its_queue_by_name(
    broker: Broker, client_of: list[Celery]
) -> None:
    file = broker.write("queues:\n  jobs: {}\ndefault_queue: jobs\n")  # no binding: Celery publishes by name
    applied = broker.cli("apply", file=file)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    app = client(broker, file, client_of)
    delayed = app.send_task("faults.echo", (3,), countdown=1)
    assert sum(waiting(broker).values()) == 1 and broker.ready("jobs") == 0
    wait_until(lambda: broker.ready("jobs") == 1, "the delayed task in its queue")
    assert broker.ready(UNROUTABLE) == 0
    with broker.connection() as connection:
        method, properties, _ = connection.channel().basic_get("jobs", auto_ack=True)
    assert method is not None and properties.headers["id"] == delayed.id
    assert properties.headers["topology-delay-queue"] == "jobs"

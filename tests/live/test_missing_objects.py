"""Before `apply` (or after someone deleted what it declared), the caller and the worker each say in one
line what is missing and that `python -m topology apply` declares it; the worker waits for its queue and
consumes once it is there, instead of Celery's NOT_FOUND traceback and exit."""

from __future__ import annotations

from pathlib import Path

import pytest
from celery import Celery

from tests.conftest import SEED
from tests.live.conftest import Broker, wait_until
from topology.celery_adapter.config import configure
from topology.celery_adapter.publishing import PublishNotConfirmed
from topology.language.loader import load_topology

FIX = "run `python -m topology apply`"


def test_a_task_sent_before_apply_names_the_missing_exchange_and_apply(broker: Broker) -> None:
    app = configure(Celery("client", set_as_current=False), load_topology(broker.write(SEED)), broker_url=broker.url)
    try:
        with pytest.raises(PublishNotConfirmed) as raised:
            app.send_task("tasks.taskA", (1, 2), ignore_result=True)
    finally:
        app.close()
    message = str(raised.value)
    assert "exchange 'for_task_A' does not exist on the broker" in message and FIX in message
    assert "once the broker answers" not in message  # it answered: what it lacks is the fix


def test_a_worker_waits_for_its_missing_queue_and_consumes_once_it_is_there(broker: Broker) -> None:
    seed = broker.write(SEED)
    worker = broker.start(
        "worker", "-l", "info", "-P", "solo", "-n", f"early-{broker.vhost}@%h", "-Q", "for_task_A", file=seed
    )
    log = _log(broker)
    wait_until(lambda: FIX in log.read_text(), "the worker to say its queue is missing", worker)
    assert "for_task_A" not in broker.state().queues  # workers only consume: nothing is made up on the spot
    assert broker.cli("apply", file=seed).returncode == 0
    wait_until(lambda: broker.consumed("for_task_A"), "the worker to consume once the queue is there", worker, 30)
    with broker.connection() as connection:  # deleted under it: it waits again, and comes back
        connection.channel().queue_delete("for_task_A")
    wait_until(lambda: log.read_text().count(FIX) == 2, "the worker to say its queue is gone", worker)
    assert broker.cli("apply", file=seed).returncode == 0
    wait_until(lambda: broker.consumed("for_task_A"), "the worker to consume the queue made again", worker, 30)
    said = log.read_text()
    assert "Traceback" not in said and "task_create_missing_queues" not in said
    assert said.count("queue 'for_task_A' does not exist on the broker") == 2  # one line each time


def _log(broker: Broker) -> Path:
    [log] = sorted(broker.tmp.glob("celery-*.log"))
    return log

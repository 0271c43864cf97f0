"""RabbitMQ's consumer_timeout on a private node of its own (5 s): a task that runs past it ends completed once,
with the worker still running (scripts/chaos has the bigger rows, on 3.10 and 4.3: delays past the timeout,
retries, restarts, long tasks).

The node is started once per CI run, not in every leg of scripts/matrix: it does not use the leg's broker.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live.test_faults import private_broker_needed, run
from topology.testing.faults import QUEUE_TYPES, PrivateNode, started

pytestmark = [pytest.mark.faults, pytest.mark.private_node]
TIMEOUT = 5.0
COUNT = 40


@pytest.fixture(scope="module")
def node() -> Iterator[PrivateNode]:
    reason = private_broker_needed()
    if reason:
        pytest.fail(reason) if os.environ.get("CI") else pytest.skip(reason)
    with started(PrivateNode("delays1", "host", 5756, consumer_timeout=TIMEOUT)) as private:
        assert isinstance(private, PrivateNode)
        yield private


@pytest.mark.parametrize("queue_type", QUEUE_TYPES)
def test_a_task_running_twice_the_consumer_timeout_completes_once_and_the_worker_goes_on(
    queue_type: str, node: PrivateNode, tmp_path: Path
) -> None:
    row = run("long-task", queue_type, node, tmp_path, COUNT)
    assert row.accepted == row.sent, row
    assert (row.completed, row.duplicated, row.kept, row.lost) == (row.accepted, 0, 0, 0), row
    # the worker's channel was closed by the timeout (the worker log says so), and it went on consuming
    logs = "".join(path.read_text() for path in tmp_path.rglob("worker-*.log"))
    assert "consumer_timeout: RabbitMQ closed the channel or cancelled the consumer" in logs and "not run again" in logs
    assert "Unrecoverable error" not in logs

"""Kept tasks seen and recovered on a real broker: `dead-letters` reads without consuming, `replay` sends
through the current routes, a real worker runs what was replayed, and an interrupted replay loses nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from celery import Celery

from tests.conftest import OWNED, ROOT
from tests.live.conftest import Broker, wait_until

DEAD = "topology.dead-letters"
UNROUTABLE = "topology.unroutable"


def reject_all(broker: Broker, queue: str) -> int:
    """Reject every message of `queue` without requeueing, as a worker's `Reject(requeue=False)` does."""
    rejected = 0
    with broker.connection() as connection:
        channel = connection.channel()
        while (got := channel.basic_get(queue))[0] is not None:
            channel.basic_reject(got[0].delivery_tag, requeue=False)
            rejected += 1
    return rejected


def kept(broker: Broker, seed: Path, *args: str) -> list[dict[str, object]]:
    listed = broker.cli("dead-letters", "--format", "json", *args, file=seed)
    assert listed.returncode == 0, listed.stderr
    tasks: list[dict[str, object]] = json.loads(listed.stdout)["data"]["tasks"]
    return tasks


def ids_in(broker: Broker, queue: str) -> list[str]:
    """The task ids a queue holds, read and handed back."""
    with broker.connection() as connection:
        channel = connection.channel()
        ids = []
        while (got := channel.basic_get(queue))[0] is not None:
            ids.append(got[1].headers["id"])
        channel.basic_nack(0, multiple=True, requeue=True)
    return ids


def test_dead_letters_are_listed_without_consuming_and_replayed_by_id_task_or_all_to_real_workers(
    broker: Broker, seed: Path, client: Celery
) -> None:
    a1, a2 = client.send_task("tasks.taskA", (10, 20)), client.send_task("tasks.taskA", (3, 4))
    b = client.send_task("tasks.taskB", (1, 2, 3))
    wait_until(lambda: broker.ready("for_task_A") == 2 and broker.ready("for_task_B") == 1, "three tasks queued")
    assert reject_all(broker, "for_task_A") == 2 and reject_all(broker, "for_task_B") == 1
    wait_until(lambda: broker.ready(DEAD) == 3, "three dead-lettered tasks")

    listed = kept(broker, seed)
    assert [(t["task"], t["id"], t["arguments"]) for t in listed] == [
        ("tasks.taskA", a1.id, "(10, 20)"),
        ("tasks.taskA", a2.id, "(3, 4)"),
        ("tasks.taskB", b.id, "(1, 2, 3)"),
    ]
    first = listed[0]
    assert (first["exchange"], first["routing_key"], first["reason"], first["queue"]) == (
        "for_task_A",
        "for_task_A",
        "rejected",
        "for_task_A",
    )
    assert first["time"] is not None and first["deaths"] == 1
    assert kept(broker, seed) == listed and broker.ready(DEAD) == 3  # read again: the same, nothing consumed
    text = broker.cli("dead-letters", file=seed)
    assert "3 tasks in queue 'topology.dead-letters'" in text.stdout and f"{a1.id}  (10, 20)" in text.stdout

    inspected = broker.cli("inspect", file=seed)
    assert inspected.returncode == 1
    assert "3 tasks were dead-lettered and wait in queue 'topology.dead-letters': tasks.taskA (2), tasks.taskB" in (
        inspected.stdout
    )

    broker.worker("for_task_A", seed)
    by_id = broker.cli("replay", "--id", a2.id, file=seed)
    assert by_id.returncode == 0, by_id.stdout + by_id.stderr
    assert f"replayed  tasks.taskA[{a2.id}] (3, 4)" in by_id.stdout
    assert a2.get(timeout=30) == 12
    assert [t["id"] for t in kept(broker, seed)] == [a1.id, b.id]

    by_task = broker.cli("replay", "--task", "tasks.taskA", file=seed)
    assert by_task.returncode == 0 and a1.get(timeout=30) == 200
    assert [t["id"] for t in kept(broker, seed)] == [b.id]

    broker.worker("for_task_B", seed)
    assert broker.cli("replay", file=seed).returncode == 0
    assert b.get(timeout=30) == 6
    assert broker.ready(DEAD) == 0
    assert broker.cli("inspect", file=seed).returncode == 0


def test_an_unroutable_task_is_kept_replay_waits_for_apply_then_the_task_runs(
    broker: Broker, seed: Path, client: Celery
) -> None:
    """A binding removed at run time (as the management UI's Unbind does): the task is kept, not dropped."""
    with broker.connection() as connection:
        connection.channel().queue_unbind("for_task_B", "for_task_B", "for_task_B", OWNED)
    b = client.send_task("tasks.taskB", (10, 20, 30))
    wait_until(lambda: broker.ready(UNROUTABLE) == 1, "taskB in the unroutable queue")
    [task] = kept(broker, seed, "--unroutable")
    assert (task["task"], task["id"], task["exchange"], task["routing_key"], task["reason"]) == (
        "tasks.taskB",
        b.id,
        "for_task_B",
        "for_task_B",
        "unroutable",
    )
    inspected = broker.cli("inspect", file=seed)
    assert inspected.returncode == 1 and "1 task could not be routed and waits" in inspected.stdout

    refused = broker.cli("replay", "--unroutable", file=seed)
    assert refused.returncode == 1 and "run `python -m topology apply` first" in refused.stderr
    assert broker.ready(UNROUTABLE) == 1  # nothing moved

    assert broker.cli("apply", file=seed).returncode == 0
    broker.worker("for_task_B", seed)
    replayed = broker.cli("replay", "--unroutable", file=seed)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert b.get(timeout=30) == 60
    assert broker.ready(UNROUTABLE) == 0


INTERRUPTED = 1000  # tasks the interrupted replay has to send: enough that it is stopped half-way


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_an_interrupted_replay_loses_nothing_and_ctrl_c_duplicates_nothing(
    broker: Broker, seed: Path, client: Celery, stop: signal.Signals
) -> None:
    sent = {client.send_task("tasks.taskA", (i, i)).id for i in range(INTERRUPTED)}
    wait_until(lambda: broker.ready("for_task_A") == INTERRUPTED, f"{INTERRUPTED} tasks queued")
    assert reject_all(broker, "for_task_A") == INTERRUPTED
    wait_until(lambda: broker.ready(DEAD) == INTERRUPTED, f"{INTERRUPTED} dead-lettered tasks")
    replaying = subprocess.Popen(
        [sys.executable, "-m", "topology", "replay"],
        cwd=ROOT,
        env=broker.env(seed),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    broker.processes.append(replaying)
    # polled without a pause: a replay takes well under a second, and must be caught half-way
    wait_until(lambda: broker.ready("for_task_A") >= 20, "a replay under way", replaying, pause=0)
    replaying.send_signal(stop)
    stdout, _ = replaying.communicate(timeout=60)
    replayed, still_kept = ids_in(broker, "for_task_A"), ids_in(broker, DEAD)
    assert set(replayed) | set(still_kept) == sent  # nothing lost
    assert still_kept, "the replay finished before it was interrupted: nothing was tested"
    duplicated = len(replayed) + len(still_kept) - len(sent)
    if stop is signal.SIGINT:
        assert replaying.returncode == 1 and "interrupted: the rest stay in the queue" in stdout
        assert duplicated == 0 and len(set(replayed)) == len(replayed)
    else:
        assert duplicated <= 1  # only a task confirmed but not yet acknowledged when killed


def test_kept_tasks_are_discarded_by_choice_after_a_count_and_a_confirmation(
    broker: Broker, seed: Path, client: Celery
) -> None:
    """`replay --task` and `dead-letters --discard --task` refuse a name nobody knows (did you mean), say so
    for one that chooses no kept task (exit 1), and --discard drops only what was chosen, once confirmed."""
    ids = [client.send_task(name, args).id for name, args in (("tasks.taskA", (1, 2)), ("tasks.taskB", (1, 2, 3)))]
    wait_until(lambda: broker.ready("for_task_A") == 1 and broker.ready("for_task_B") == 1, "two tasks queued")
    reject_all(broker, "for_task_A")
    reject_all(broker, "for_task_B")
    wait_until(lambda: broker.ready(DEAD) == 2, "two dead-lettered tasks")

    typo = broker.cli("replay", "--task", "tasks.tasA", file=seed)
    assert typo.returncode == 2 and "no task named 'tasks.tasA'" in typo.stderr and "'tasks.taskA'" in typo.stderr
    none_kept = broker.cli("replay", "--task", "tasks.add", file=seed)
    assert none_kept.returncode == 1 and "no kept task named 'tasks.add'" in none_kept.stderr
    assert "2 other tasks not chosen, still kept" in none_kept.stdout
    assert broker.ready(DEAD) == 2

    unasked = broker.cli("dead-letters", "--discard", "--task", "tasks.taskA", file=seed)  # no terminal, no --yes
    assert unasked.returncode == 2 and "discard 1 task of queue 'topology.dead-letters'" in unasked.stderr
    assert "--yes" in unasked.stderr and broker.ready(DEAD) == 2
    discarded = broker.cli("dead-letters", "--discard", "--id", ids[0], "--yes", "--format", "json", file=seed)
    data = json.loads(discarded.stdout)
    assert discarded.returncode == 0 and [t["id"] for t in data["data"]["discarded"]] == [ids[0]]
    assert ids_in(broker, DEAD) == [ids[1]]  # the other one stays
    bare = broker.cli("dead-letters", "--discard", file=seed)
    assert bare.returncode == 2 and "--all" in bare.stderr
    assert broker.cli("dead-letters", "--discard", "--all", "--yes", file=seed).returncode == 0
    assert broker.ready(DEAD) == 0

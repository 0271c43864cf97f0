"""apply is safe against itself: one apply at a time holds the vhost's lock, a killed one leaves none."""

from __future__ import annotations

import signal
import subprocess
import sys

from tests.conftest import ROOT, SEED, WITHOUT_NETS
from tests.live.conftest import Broker
from topology.broker.lock import LOCK_QUEUE

HOLD = """
import sys, time
from topology.broker.lock import acquire, lock_connection
from topology.broker.settings import resolve_settings
settings = resolve_settings(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
lock = acquire(lock_connection(settings), settings, 0, print)
print("held", flush=True)
time.sleep(float(sys.stdin.readline() or 60))
"""


def hold_lock(broker: Broker) -> subprocess.Popen[str]:
    """A process holding the vhost's apply lock until its stdin gets a line (or it is killed)."""
    args = [sys.executable, "-c", HOLD, broker.url]
    if broker.env().get("RABBITMQ_MANAGEMENT_URL"):
        args.append(broker.env()["RABBITMQ_MANAGEMENT_URL"])
    process = subprocess.Popen(
        args, cwd=ROOT, env=broker.env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    broker.processes.append(process)
    assert process.stdout is not None and process.stdout.readline() == "held\n"
    return process


def test_a_second_apply_exits_3_naming_who_holds_the_lock_and_a_killed_holder_leaves_none(broker: Broker) -> None:
    path = broker.write(SEED)
    holder = hold_lock(broker)
    refused = broker.cli("apply", "--lock-wait", "0.5", file=path)
    assert refused.returncode == 3, refused.stdout + refused.stderr
    last = refused.stderr.strip().splitlines()[-1]
    assert f"another apply holds the lock on vhost {broker.vhost!r}" in last and f"pid {holder.pid}" in last
    assert "--lock-wait" in last and "waiting up to 0.5 s" in refused.stderr
    assert {"default", "for_task_A", "for_task_B"}.isdisjoint(broker.state().queues)  # nothing was sent
    assert broker.cli("plan", file=path).returncode == 1  # the lock is no drift: only the file's objects are missing
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    applied = broker.cli("apply", "--lock-wait", "5", file=path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "waiting" not in applied.stderr  # the killed holder's lock went with its connection
    inspected = broker.cli("inspect", file=path)
    assert inspected.returncode == 0 and LOCK_QUEUE not in inspected.stdout


def test_a_second_apply_waits_for_the_first_and_then_plans_from_what_it_left(broker: Broker) -> None:
    holder = hold_lock(broker)
    waiting = subprocess.Popen(
        [sys.executable, "-m", "topology", "apply", "--lock-wait", "60"],
        cwd=ROOT,
        env=broker.env(broker.write(SEED + WITHOUT_NETS)),  # counted below: the seed's own 9 objects
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    broker.processes.append(waiting)
    assert waiting.stderr is not None
    assert waiting.stderr.readline().startswith(f"waiting up to 60 s for the apply lock on vhost {broker.vhost!r}")
    assert holder.stdin is not None
    holder.stdin.write("0\n")
    holder.stdin.close()
    stdout, _ = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, stdout
    assert "applied to vhost" in stdout and "9 created" in stdout


def test_concurrent_applies_of_different_files_leave_one_file_whole(broker: Broker) -> None:
    """The issue's race: each apply finds no conflict, then both send. With the lock the second plans from
    what the first made: it finds the conflict and changes nothing."""
    durable = broker.write(SEED, "durable.yaml")
    transient = broker.write(
        SEED.replace("{bindings: [{exchange: default,", "{durable: false, bindings: [{exchange: default,"),
        "transient.yaml",
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "topology", "apply", "--lock-wait", "60"],
            cwd=ROOT,
            env=broker.env(path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in (durable, transient)
    ]
    broker.processes.extend(runs)
    codes = sorted(run.wait(timeout=60) for run in runs)
    assert codes == [0, 1]
    winner = durable if runs[0].returncode == 0 else transient
    assert broker.cli("plan", file=winner).returncode == 0  # the broker holds the winner's file, all of it

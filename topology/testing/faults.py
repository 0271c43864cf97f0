"""Faults injected into a real flow of tasks (client -> RabbitMQ -> `celery worker`), and what became of each task.

A run is one fault on one queue type, in a vhost of its own: routing.yaml written and applied with the
project's CLI, real worker processes and a real client process (topology.testing.fault_app) using the
settings generated from that file, unchanged. The fault is injected mid-flow, then the run waits until every
accepted task is accounted for or nothing has moved for a while, and counts, by task id:
  accepted   `apply_async` returned;  raised: it raised at the caller;  blocked: it had not returned when the
             client was given up on
  completed  the task's work finished at least once;  duplicated: runs beyond the first (at-least-once)
  kept       in the nets' queues (topology.dead-letters / topology.unroutable), recoverable with `replay`
  waiting    still in the work queue at the end (a poison task cycling there, for instance)
  lost       accepted, and none of completed, kept or waiting: gone without anyone being told
The broker a fault hits is a private node or cluster (`PrivateNode`, `Cluster`, on scripts/rabbitmq-node and
scripts/cluster); the faults that only touch workers or bindings also run on any vhost (`Target`).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from topology.broker.management import ManagementClient
from topology.broker.recover import read_kept
from topology.broker.settings import resolve_settings
from topology.errors import TopologyError
from topology.planning.migration import RECORD_ARGUMENT, MigrationRecord, StepNo, record_exchange

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
WORK_QUEUE = "chaos"
NETS = ("topology.dead-letters", "topology.unroutable")
QUEUE_TYPES = ("classic", "quorum")
RESULTS_ENV = "FAULT_RESULTS_DIR"  # where topology.testing.fault_app notes what happened to each task
RECORD = "fault.record"
POISON = "fault.poison"
BACKOFF = "fault.backoff"


class Target(Protocol):
    """The broker a run talks to: AMQP base URLs (no vhost; several: Celery's failover list) and its API."""

    @property
    def amqp(self) -> list[str]: ...

    @property
    def management(self) -> str: ...


class Controlled(Target, Protocol):
    """A broker the harness may crash, stop and start: one it started itself, never the machine's own."""

    def kill(self) -> None: ...
    def stop(self) -> None: ...
    def start(self) -> None: ...


@dataclass(frozen=True)
class Endpoint:
    """An existing broker (the test suite's), for the faults that leave the broker alone."""

    amqp_url: str
    management_url: str

    @property
    def amqp(self) -> list[str]:
        return [self.amqp_url.rstrip("/")]

    @property
    def management(self) -> str:
        return self.management_url


def _script(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(SCRIPTS / args[0]), *args[1:]], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return done.stdout


@dataclass(frozen=True)
class PrivateNode:
    """One node of scripts/rabbitmq-node, started and deleted by the harness."""

    name: str
    version: str
    port: int
    plugins: str = ""  # more plugins than the management API, comma-separated (TOPOLOGY_NODE_PLUGINS)
    consumer_timeout: float | None = None
    """Seconds: RabbitMQ's broker-wide consumer_timeout on this node (None: its default, 30 minutes)."""

    @property
    def amqp(self) -> list[str]:
        return [f"amqp://guest:guest@127.0.0.1:{self.port}"]

    @property
    def management(self) -> str:
        return f"http://guest:guest@127.0.0.1:{self.port + 10000}"

    def start(self) -> None:
        env = {"TOPOLOGY_NODE_PLUGINS": self.plugins}
        timeout = (
            []
            if self.consumer_timeout is None
            else ["--conf", f"consumer_timeout = {self.consumer_timeout * 1000:.0f}"]
        )
        start = ("rabbitmq-node", "start", self.name, "--version", self.version, "--port", str(self.port), *timeout)
        _script(*start, env=env)
        if self.consumer_timeout is not None:
            # RabbitMQ checks the timeout on each channel's tick, every 60 s by default: with a short timeout the
            # channel would live on for up to a minute past it. Channels opened from now on tick every second.
            tick = "application:set_env(rabbit, channel_tick_interval, 1000)."
            _script("rabbitmq-node", "ctl", self.name, "rabbitmqctl", "eval", tick)

    def stop(self) -> None:
        _script("rabbitmq-node", "stop", self.name)

    def kill(self) -> None:
        """SIGKILL to the node's own beam process (the PID the node script recorded), a crash."""
        pid = int(_script("rabbitmq-node", "pid", self.name).split()[0])
        os.kill(pid, signal.SIGKILL)
        _wait(lambda: not _alive(pid), f"node {self.name} to die")

    def delete(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop()
        _script("rabbitmq-node", "delete", self.name)


@dataclass(frozen=True)
class Cluster:
    """The 3-node cluster of scripts/cluster under its own prefix and ports; clients get all three URLs."""

    prefix: str
    port_base: int
    version: str
    victim: int = 1  # the node killed: the first of the failover list, the one clients and workers use
    plugins: str = ""  # more plugins than the management API, comma-separated (TOPOLOGY_NODE_PLUGINS)

    @property
    def env(self) -> dict[str, str]:
        return {
            "TOPOLOGY_CLUSTER_PREFIX": self.prefix,
            "TOPOLOGY_CLUSTER_PORT_BASE": str(self.port_base),
            "TOPOLOGY_NODE_PLUGINS": self.plugins,
        }

    @property
    def amqp(self) -> list[str]:
        return [f"amqp://guest:guest@127.0.0.1:{self.port_base + n}" for n in (1, 2, 3)]

    @property
    def management(self) -> str:  # a node that survives the kill
        return f"http://guest:guest@127.0.0.1:{self.port_base + 10000 + (2 if self.victim == 1 else 1)}"

    def start(self) -> None:
        _script("cluster", "start", "--version", self.version, env=self.env)

    def restart(self, attempts: int = 3) -> None:
        """The killed node started again, as an operator would bring it back: again a few seconds later if it
        does not come up (a loaded machine can be slow to free the killed node's ports)."""
        for attempt in range(1, attempts + 1):
            try:
                self.start()
                return
            except RuntimeError:
                if attempt == attempts:
                    raise
                time.sleep(5)

    def kill(self) -> None:
        _script("cluster", "kill", str(self.victim), env=self.env)

    def stop(self) -> None:
        self.kill()

    def delete(self) -> None:
        _script("cluster", "delete", env=self.env)


@dataclass(frozen=True)
class Row:
    """One fault on one queue type: the counts the harness prints (see the module's docstring)."""

    fault: str
    queue_type: str
    sent: int
    accepted: int
    raised: int
    blocked: int
    completed: int
    duplicated: int
    kept: int
    waiting: int
    lost: int
    slowest: float | None  # seconds of the longest `apply_async` call that returned (accepted or raised)
    recovery: float | None  # seconds from the fault until tasks complete again (Run._recovery)
    notes: tuple[str, ...] = ()
    pause: float | None = None  # the worker's longest pause: seconds between two completions, from the fault on
    seconds: float | None = None  # the fault's whole length (a migration's: from its start to its end)
    ordinary_wait: float | None = None  # seconds: the longest an ordinary task took from accepted to started
    lateness_p50: float | None = None  # seconds: how late delayed tasks started after they were due (median)
    lateness_p99: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "notes": list(self.notes)}


def routing_yaml(queue_type: str) -> str:
    """A topic exchange and one queue, with the nets (the file's defaults)."""
    kind = ", type: quorum" if queue_type == "quorum" else ""
    return textwrap.dedent(f"""\
        exchanges:
          chaos: {{type: topic}}
        queues:
          {WORK_QUEUE}: {{bindings: [{{exchange: chaos, routing_key: work}}]{kind}}}
        routes:
          {RECORD}: {WORK_QUEUE}
          {POISON}: {WORK_QUEUE}
        default_queue: {WORK_QUEUE}
        """)


@dataclass
class Run:
    """One fault on one queue type, in vhost `vhost` of `target` (created, and deleted by `close`)."""

    target: Target
    vhost: str
    queue_type: str
    folder: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    fault_at: float | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float | None = None  # how long the fault itself took, when it is an operation (a migration)

    def __post_init__(self) -> None:
        self.results = self.folder / "results"
        self.results.mkdir(parents=True, exist_ok=True)
        self.file = self.folder / "routing.yaml"
        self.file.write_text(routing_yaml(self.queue_type))
        self.api().create_vhost(self.vhost)
        applied = subprocess.run(
            [sys.executable, "-m", "topology", "apply"], env=self.env(single=True), capture_output=True, text=True
        )
        if applied.returncode != 0:
            raise RuntimeError(f"apply exited {applied.returncode}: {applied.stdout}{applied.stderr}")

    def api(self) -> ManagementClient:
        return ManagementClient(resolve_settings(self.urls()[0], self.target.management).management)

    def urls(self) -> list[str]:
        return [f"{url}/{quote(self.vhost, safe='')}" for url in self.target.amqp]

    def env(self, *, single: bool = False) -> dict[str, str]:
        """What a process of the run gets: the file, the broker (the failover list, or its first URL for the
        CLI), the results folder; nothing of the caller's CELERY_/TOPOLOGY_/RABBITMQ_ settings."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "TOPOLOGY_", "RABBITMQ_"))}
        broker = self.urls()[0] if single else ";".join(self.urls())
        env.update(
            CELERY_BROKER_URL=broker,
            RABBITMQ_MANAGEMENT_URL=self.target.management,
            TOPOLOGY_FILE=str(self.file),
            TOPOLOGY_CACHE_DIR=str(self.folder / "cache"),
            PYTHONPATH=str(ROOT),
            **{RESULTS_ENV: str(self.results)},
        )
        return env

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """A process in a session of its own, so that a kill reaches the worker's pool processes too."""
        log = (self.folder / f"{name}-{len(self.processes)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, *args], env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(process)
        return process

    def worker(self) -> subprocess.Popen[bytes]:
        """A real `celery worker` (prefork, two processes), returned once RabbitMQ lists its consumer."""
        worker = self._spawn(
            "worker", "-m", "celery", "-A", "topology.testing.fault_app", "worker", "-l", "info", "-c", "2",
            "-Q", WORK_QUEUE, "-n", f"chaos{len(self.processes)}-{self.vhost}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        )  # fmt: skip
        _wait(lambda: self._queue_field("consumers") > 0, "the worker's consumer", worker)
        return worker

    def client(
        self, count: int, interval: float, task: str = RECORD, countdown: str | None = None, seconds: float = 0.05
    ) -> None:
        """A client process sending `count` tasks, `interval` apart; `countdown`: "30", or "0-30" (each its own,
        uniformly), noting when each is due; `seconds`: how long each task works."""
        args = ["-m", "topology.testing.fault_app", str(count), str(interval), task, countdown or "-", str(seconds)]
        self._spawn("client", *args)

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL to `process` and everything in its session (a worker's pool): only what this run started."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def mark_fault(self) -> None:
        self.fault_at = time.time()

    def lines(self, kind: str) -> list[list[str]]:
        path = self.results / kind
        return [line.split(" ", 1) for line in path.read_text().splitlines()] if path.exists() else []

    def ids(self, kind: str) -> set[str]:
        return {line[0] for line in self.lines(kind)}

    def wait_for(self, kind: str, count: int, timeout: float = 120) -> None:
        _wait(lambda: len(self.lines(kind)) >= count, f"{count} {kind}", timeout=timeout)

    def finish_client(self, timeout: float) -> None:
        """Wait for the clients to end; one still inside `apply_async` after `timeout` is killed (blocked)."""
        deadline = time.monotonic() + timeout
        for process in self.processes:
            if process.args[2] == "topology.testing.fault_app":  # type: ignore[index]
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(max(0.0, deadline - time.monotonic()))
                if process.poll() is None:
                    self.kill(process)
                    self.notes.append(f"the client was still inside apply_async after {timeout:.0f} s: killed")

    def settle(self, quiet: float, longest: float = 300) -> None:
        """Wait until every accepted task is completed or kept, or nothing changed for `quiet` seconds."""
        start = last_change = time.monotonic()
        seen: tuple[int, int] = (-1, -1)
        while time.monotonic() - last_change < quiet and time.monotonic() - start < longest:
            accepted = self.ids("accepted")
            now = (len(self.lines("completed")), self._kept_count())
            if len(self.ids("completed") & accepted) + now[1] >= len(accepted) and accepted:
                return
            if now != seen:
                seen, last_change = now, time.monotonic()
            time.sleep(0.5)

    def _queue_field(self, name: str, queue: str = WORK_QUEUE) -> int:
        try:
            return int(self.api().queue(self.vhost, queue).get(name) or 0)
        except (TopologyError, OSError):  # the broker is down, or the queue is not there (yet)
            return 0

    def _kept_count(self) -> int:
        return sum(self._queue_field("messages", net) for net in NETS)

    def _read(self, queue: str) -> set[str]:
        """The task ids in `queue`, read without consuming them."""
        settings = resolve_settings(self.urls()[0], self.target.management)
        return {task.id for task in read_kept(settings, queue).tasks if task.id}

    def count(self, fault: str) -> Row:
        """Stop the workers, read the queues, and count (see the module's docstring)."""
        for process in self.processes:
            self.kill(process)
        sent, accepted, raised = self.ids("sent"), self.ids("accepted"), self.ids("raised")
        completions = [line[0] for line in self.lines("completed")]
        completed = set(completions) & sent
        kept = set().union(*(self._read(net) for net in NETS)) & sent
        waiting = self._read(WORK_QUEUE) & sent
        errors = Counter(line[1].split(" ", 1)[1][:150] for line in self.lines("raised"))
        self.notes.extend(f"raised {times}x: {error}" for error, times in sorted(errors.items()))
        if raised & (completed | kept | waiting):
            self.notes.append(f"{len(raised & (completed | kept | waiting))} raised at the caller yet reached RabbitMQ")
        return Row(
            fault=fault,
            queue_type=self.queue_type,
            sent=len(sent),
            accepted=len(accepted),
            raised=len(raised),
            blocked=len(sent - accepted - raised),
            completed=len(completed),
            duplicated=len(completions) - len(set(completions)),
            kept=len(kept - completed),
            waiting=len(waiting - completed - kept),
            lost=len(accepted - completed - kept - waiting),
            slowest=self._slowest_call(),
            recovery=self._recovery(),
            notes=tuple(self.notes),
            pause=self._longest_pause(),
            seconds=self.seconds,
            **self._timeliness(),
        )

    def _longest_pause(self) -> float | None:
        """The longest time without a completion, from the fault until the last completion."""
        if self.fault_at is None:
            return None
        times = sorted(float(line[1]) for line in self.lines("completed"))
        times = [self.fault_at] + [t for t in times if t > self.fault_at]
        return round(max(b - a for a, b in itertools.pairwise(times)), 2) if len(times) > 1 else None

    def _timeliness(self) -> dict[str, float | None]:
        """The ordinary tasks' longest wait (accepted to first started) and the delayed tasks' lateness (due to
        first started), p50 and p99, in seconds; a delayed task is one the client noted as `due`."""
        first: dict[str, float] = {}
        for task, at in ((line[0], float(line[1])) for line in self.lines("started") if line[1:]):
            first[task] = min(at, first.get(task, at))
        due = {line[0]: float(line[1]) for line in self.lines("due")}
        accepted = {line[0]: float(line[1]) for line in self.lines("accepted")}
        waits = [first[t] - at for t, at in accepted.items() if t in first and t not in due]
        late = sorted(first[t] - at for t, at in due.items() if t in first)
        return {
            "ordinary_wait": round(max(waits), 2) if waits else None,
            "lateness_p50": _quantile(late, 0.5),
            "lateness_p99": _quantile(late, 0.99),
        }

    def _slowest_call(self) -> float | None:
        sent = {line[0]: float(line[1]) for line in self.lines("sent")}
        returned = [
            float(line[1].split(" ", 1)[0]) - sent[line[0]] for line in self.lines("accepted") + self.lines("raised")
        ]
        return round(max(returned), 2) if returned else None

    def _recovery(self) -> float | None:
        """Seconds from the fault until a task sent after it completed (the flow back, end to end); when the
        client sent everything before the fault, until the first completion after it."""
        if self.fault_at is None:
            return None
        fault_at = self.fault_at
        sent_after = {line[0] for line in self.lines("accepted") if float(line[1]) > fault_at}
        done = [(line[0], float(line[1])) for line in self.lines("completed") if float(line[1]) > fault_at]
        times = [at for task, at in done if task in sent_after] if sent_after else [at for _, at in done]
        return round(min(times) - fault_at, 2) if times else None

    def close(self) -> None:
        for process in self.processes:
            self.kill(process)
        with contextlib.suppress(TopologyError, OSError):
            self.api().delete_vhost(self.vhost)


def _quantile(ordered: list[float], q: float) -> float | None:
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2) if ordered else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait(
    condition: Callable[[], bool], what: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 120
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process exited ({process.returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)


# --- the faults: each drives one run, given the flow's size ----------------------------------------------


def worker_kill(run: Run, target: Target, count: int) -> None:
    """Every process of the worker killed -9 while it holds tasks, then a new worker started."""
    worker = run.worker()
    run.client(count, 0)
    run.wait_for("completed", count // 3)
    run.mark_fault()
    run.kill(worker)
    run.worker()
    run.finish_client(60)
    run.settle(quiet=10)


def _broker_down_mid_flow(run: Run, count: int, down: Callable[[], None], up: Callable[[], None]) -> None:
    run.worker()
    run.client(count, 0.01)
    run.wait_for("accepted", count // 3)
    down()
    run.mark_fault()  # from the moment the broker is down: a clean stop takes seconds
    up()
    run.finish_client(120)
    run.settle(quiet=15)


def broker_kill(run: Run, target: Controlled, count: int) -> None:
    """The broker killed -9 while the client publishes, then restarted."""
    _broker_down_mid_flow(run, count, target.kill, target.start)


def broker_stop(run: Run, target: Controlled, count: int) -> None:
    """The broker stopped cleanly while the client publishes, then started."""
    _broker_down_mid_flow(run, count, target.stop, target.start)


def publish_down(run: Run, target: Controlled, count: int) -> None:
    """The client publishes while the broker is down; given up on after a while; then the broker returns."""
    sends = max(2, count // 30)
    target.stop()
    run.mark_fault()
    run.client(sends, 0)
    run.finish_client(30 * sends)
    target.start()
    run.worker()
    run.settle(quiet=5)  # only a task that raised yet reached RabbitMQ can arrive


def binding_removed(run: Run, target: Target, count: int) -> None:
    """The work queue's binding deleted through the management API (as the UI's Unbind) mid-flow."""
    run.worker()
    run.client(count, 0.01)
    run.wait_for("accepted", count // 3)
    run.mark_fault()
    path = f"/bindings/{quote(run.vhost, safe='')}/e/chaos/q/{WORK_QUEUE}"
    for binding in run.api().get(path):
        run.api().delete(f"{path}/{quote(binding['properties_key'], safe='')}")
    run.finish_client(60)
    run.settle(quiet=10)


def poison(run: Run, target: Target, count: int) -> None:
    """One task that kills its worker process each time it runs, sent ahead of ordinary ones."""
    run.worker()
    run.client(1, 0, POISON)
    run.wait_for("started", 1)
    run.mark_fault()
    run.client(max(2, count // 10), 0)
    run.finish_client(60)
    run.settle(quiet=15, longest=60)
    poisoned = len(run.ids("sent") - run.ids("completed"))
    runs = len(run.lines("started")) - len(run.ids("completed"))
    run.notes.append(f"the poison task ran {runs} times ({poisoned} never completed)")


def delayed(run: Run, target: Target, count: int) -> None:
    """Tasks sent with a countdown."""
    run.worker()
    run.mark_fault()
    run.client(max(3, count // 10), 0, countdown="2")
    run.finish_client(60)
    run.settle(quiet=15)


DEFAULT_CONSUMER_TIMEOUT = 1800.0
"""RabbitMQ's own, in seconds."""


def consumer_timeout(target: Target) -> float:
    return getattr(target, "consumer_timeout", None) or DEFAULT_CONSUMER_TIMEOUT


ORDINARY_RATE = 20.0
"""Ordinary tasks per second beside the delayed ones: well within what the row's worker runs (`-c 2`), so that
an ordinary task's wait is what a delayed one costs it, not a backlog of its own."""


def _ordinary_flow(run: Run, count: int, seconds: float) -> None:
    """Ordinary tasks sent evenly over `seconds`: `count`, at most ORDINARY_RATE a second."""
    sent = max(1, min(count, int(ORDINARY_RATE * seconds)))
    run.client(sent, seconds / sent)


def delay_past_timeout(run: Run, target: Target, count: int) -> None:
    """Tasks with a countdown of twice the broker's consumer_timeout, while ordinary tasks flow."""
    timeout = consumer_timeout(target)
    run.worker()
    run.mark_fault()
    run.client(3, 0, countdown=f"{2 * timeout:g}", seconds=0)
    _ordinary_flow(run, count, 2 * timeout)
    run.finish_client(4 * timeout)
    run.settle(quiet=2 * timeout + 15, longest=6 * timeout)


def delayed_restart(run: Run, target: Target, count: int) -> None:
    """`count` tasks with countdown=30, their worker killed -9 midway (15 s in) and another started."""
    run.worker()
    run.client(count, 0, countdown="30", seconds=0)
    run.finish_client(120)
    time.sleep(max(0.0, 15 - (time.time() - float(run.lines("sent")[0][1]))))
    run.mark_fault()
    run.kill(run.processes[0])
    run.worker()
    run.settle(quiet=45, longest=240)


def long_task(run: Run, target: Target, count: int) -> None:
    """One task working for twice the consumer_timeout, while ordinary tasks flow behind it."""
    timeout = consumer_timeout(target)
    run.worker()
    run.mark_fault()
    run.client(1, 0, seconds=2 * timeout)
    _ordinary_flow(run, count, 2 * timeout)
    run.finish_client(4 * timeout)
    run.settle(quiet=2 * timeout + 15, longest=8 * timeout)


def retry_backoff(run: Run, target: Target, count: int) -> None:
    """Tasks that retry with an exponential backoff (countdown timeout/4, /2, x1, x2: past the timeout)."""
    timeout = consumer_timeout(target)
    run.worker()
    run.mark_fault()
    run.client(3, 0, BACKOFF, seconds=timeout / 4)
    _ordinary_flow(run, count, 3 * timeout)
    run.finish_client(5 * timeout)
    run.settle(quiet=2 * timeout + 15, longest=10 * timeout)


def delayed_spread(run: Run, target: Target, count: int) -> None:
    """`count` tasks with countdowns spread evenly over 0-30 s (each its own)."""
    run.worker()
    run.mark_fault()
    run.client(count, 0, countdown="0-30", seconds=0)
    run.finish_client(120)
    run.settle(quiet=40, longest=240)


def node_loss(run: Run, target: Controlled, count: int) -> None:
    """A cluster's node that the worker and client use (the first of their failover list) killed -9 mid-flow."""
    run.worker()
    run.client(count, 0.01)
    run.wait_for("accepted", count // 3)
    target.kill()
    run.mark_fault()
    run.finish_client(120)
    run.settle(quiet=15)
    target.start()  # the node back, as an operator would bring it: what it held is counted too
    run.settle(quiet=10)
    accepted_after = [float(line[1]) for line in run.lines("accepted") if float(line[1]) > (run.fault_at or 0)]
    if accepted_after:
        run.notes.append(f"first publish accepted {min(accepted_after) - (run.fault_at or 0):.2f} s after the kill")


MIGRATION_RATE = 20.0  # tasks a second the client publishes while the queue is migrated


def _migration(run: Run, target: Target, count: int, midway: Callable[[subprocess.Popen[bytes]], None]) -> None:
    """The classic work queue holding `count` tasks and consumed by a worker, while a client publishes `count`
    more, about MIGRATION_RATE a second, migrated to a quorum queue by `apply --migrate`; `midway` is given the CLI once
    the migration's record says it moved the queue out (the holding queue holds its tasks), and returns once
    its fault is done; `apply --migrate` is then run again, as many times as it takes to finish."""
    run.client(count, 0)
    run.wait_for("accepted", count, timeout=300)
    run.worker()
    run.client(count, 1 / MIGRATION_RATE)
    run.wait_for("accepted", count + int(MIGRATION_RATE * 2))
    quorum = run.folder / "quorum.yaml"
    quorum.write_text(routing_yaml("quorum"))
    run.mark_fault()
    started = time.monotonic()
    cli = _migrate_cli(run, quorum)
    midway(cli)
    attempts = 1
    while cli.wait() != 0:
        if attempts == 5:
            raise RuntimeError(f"apply --migrate still failing after {attempts} runs: see {run.folder}")
        attempts += 1
        cli = _migrate_cli(run, quorum)
    run.seconds = round(time.monotonic() - started, 2)
    run.notes.append(f"apply --migrate ran {attempts} time(s)")
    run.finish_client(120)
    run.settle(quiet=20)


def _migrate_cli(run: Run, file: Path) -> subprocess.Popen[bytes]:
    """`apply --migrate --yes`, given the failover list (it uses the first node that answers)."""
    env = {**run.env(), "TOPOLOGY_FILE": str(file)}
    log = (run.folder / f"migrate-{len(run.processes)}.log").open("wb")
    command = [sys.executable, "-m", "topology", "apply", "--migrate", "--yes"]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    run.processes.append(process)
    return process


def _migrated_out(run: Run) -> bool:
    """The migration's record says the queue's tasks are in the holding queue (step 4 done)."""
    path = f"/exchanges/{quote(run.vhost, safe='')}/{quote(record_exchange(WORK_QUEUE), safe='')}"
    try:
        found = run.api().get(path, allow_404=True)
    except (TopologyError, OSError):
        return False
    recorded = MigrationRecord.from_argument((found or {}).get("arguments", {}).get(RECORD_ARGUMENT))
    return recorded is not None and recorded.done >= StepNo.MOVE_OUT


def migrate(run: Run, target: Target, count: int) -> None:
    """A classic queue holding tasks, consumed and published to, migrated to a quorum queue."""
    _migration(run, target, count, lambda cli: None)


def migrate_cli_killed(run: Run, target: Target, count: int) -> None:
    """The same, with the CLI killed -9 half-way (its tasks in the holding queue), then run again."""

    def kill_it(cli: subprocess.Popen[bytes]) -> None:
        _wait(lambda: _migrated_out(run) or cli.poll() is not None, "the migration half-way")
        run.kill(cli)

    _migration(run, target, count, kill_it)


def migrate_node_lost(run: Run, target: Cluster, count: int) -> None:
    """The same on a cluster, with the node the clients use first killed -9 half-way, then brought back."""

    def kill_node(cli: subprocess.Popen[bytes]) -> None:
        _wait(lambda: _migrated_out(run) or cli.poll() is not None, "the migration half-way")
        target.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            cli.wait(60)  # it stops at a queue on the node that is down, or goes on without it
        target.restart()

    _migration(run, target, count, kill_node)


Fault = Callable[[Run, Any, int], None]
BROKER_UNTOUCHED: dict[str, Fault] = {
    "worker-kill": worker_kill,
    "binding-removed": binding_removed,
    "poison": poison,
    "delayed": delayed,
}
BROKER_FAULTS: dict[str, Fault] = {"broker-kill": broker_kill, "broker-stop": broker_stop, "publish-down": publish_down}
CLUSTER_FAULTS: dict[str, Fault] = {"node-loss": node_loss, "migrate-node-lost": migrate_node_lost}
MIGRATIONS: dict[str, Fault] = {"migrate": migrate, "migrate-cli-killed": migrate_cli_killed}
"""Faults on a classic queue only (it becomes a quorum queue): see `_migration`."""
DELAY_FAULTS: dict[str, Fault] = {
    "delay-past-timeout": delay_past_timeout,
    "delayed-restart": delayed_restart,
    "long-task": long_task,
    "retry-backoff": retry_backoff,
    "delayed-spread": delayed_spread,
}
"""Delays and RabbitMQ's consumer_timeout: on a node with a short one (`PrivateNode.consumer_timeout`)."""
FAULTS = {**BROKER_UNTOUCHED, **BROKER_FAULTS, **CLUSTER_FAULTS, **MIGRATIONS, **DELAY_FAULTS}


def run_fault(fault: str, queue_type: str, target: Target, folder: Path, count: int) -> Row:
    """`fault` on `queue_type` against `target`, in a fresh vhost deleted afterwards."""
    run = Run(target, f"chaos-{fault}-{queue_type}-{os.getpid()}", queue_type, folder / f"{fault}-{queue_type}")
    try:
        FAULTS[fault](run, target, count)
        return run.count(fault)
    finally:
        run.close()


@contextlib.contextmanager
def started(target: PrivateNode | Cluster) -> Iterator[PrivateNode | Cluster]:
    """The node or cluster started, and stopped and deleted afterwards, also on an error or Ctrl-C."""
    try:
        target.start()
        yield target
    finally:
        target.delete()

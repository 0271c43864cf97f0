"""Fixtures on a real RabbitMQ: each test gets its own vhost (deleted afterwards) and real processes.

Every test in this folder is marked `broker` (`pytest -m "not broker"` runs the pure tests alone).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import quote

import pika
import pytest
from celery import Celery

from tests.conftest import ROOT, SEED, envelope
from topology.broker.management import ManagementClient
from topology.broker.settings import Settings, resolve_settings
from topology.celery_adapter.config import configure
from topology.errors import BrokerUnavailable
from topology.language.loader import load_topology
from topology.planning.observed import LiveState

BASE_BROKER = os.environ.get("TEST_BROKER_URL", "amqp://guest:guest@localhost:5672/")
BASE_MANAGEMENT = os.environ.get("TEST_MANAGEMENT_URL")  # default: port 15672 of the broker's host
RABBITMQCTL = os.environ.get("TEST_RABBITMQCTL") or (None if "TEST_BROKER_URL" in os.environ else "rabbitmqctl")
"""The rabbitmqctl of the node under test, as a command line (`rabbitmqctl -n rabbit@host`, or a chroot's):
the host's own only when the tests run against the host's broker."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.broker)


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    settings = resolve_settings(BASE_BROKER, BASE_MANAGEMENT)
    try:
        ManagementClient(settings.management).vhost_exists("/")
    except BrokerUnavailable as error:
        message = f"RabbitMQ with its management API is needed: {error} (scripts/ensure-rabbitmq sets it up)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return settings


@dataclass
class Broker:
    """A fresh vhost of its own, with helpers to run the CLI, workers and raw AMQP against it."""

    vhost: str
    settings: Settings
    tmp: Path
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.settings.broker.url(secret=True)

    def env(self, topology_file: Path | None = None, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "TOPOLOGY_", "RABBITMQ_"))}
        env.update(CELERY_BROKER_URL=self.url, PYTHONPATH=str(ROOT), TOPOLOGY_CACHE_DIR=str(self.tmp / "cache"))
        if BASE_MANAGEMENT:  # the CLI reads the API of the broker under test, not whatever answers on 15672
            env["RABBITMQ_MANAGEMENT_URL"] = BASE_MANAGEMENT
        env.update(extra)
        if topology_file is not None:
            env["TOPOLOGY_FILE"] = str(topology_file)
        return env

    def write(self, text: str, name: str = "routing.yaml") -> Path:
        path = self.tmp / name
        path.write_text(textwrap.dedent(text))
        return path

    def cli(self, *args: str, file: Path | None = None, **extra: str) -> subprocess.CompletedProcess[str]:
        """Run the CLI; whatever it prints with `--format json` is checked against the envelope schema."""
        result = subprocess.run(
            [sys.executable, "-m", "topology", *args],
            cwd=ROOT,
            env=self.env(file, **extra),
            capture_output=True,
            text=True,
            timeout=60,
        )
        if "json" in args and "--format" in args:
            envelope(result.stdout)
        return result

    def connection(self) -> pika.BlockingConnection:
        """A raw pika connection to the vhost, for making drift the way another client would."""
        broker = self.settings.broker
        credentials = pika.PlainCredentials(broker.username, broker.password)
        return pika.BlockingConnection(pika.ConnectionParameters(broker.host, broker.port, self.vhost, credentials))

    def management(self) -> ManagementClient:
        return ManagementClient(self.settings.management)

    def state(self) -> LiveState:
        """What the vhost holds now, read the way `plan` reads it."""
        return self.management().state(self.vhost)

    def start(self, *args: str, file: Path, app: str = "tasks", **env: str) -> subprocess.Popen[str]:
        """Start `celery -A <app> ...` for this vhost (`env`: more environment); stopped (by PID) when the test
        ends."""
        log = (self.tmp / f"celery-{len(self.processes)}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", app, *args],
            cwd=ROOT,
            env=self.env(file, **env),
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.processes.append(process)
        return process

    def worker(
        self, queue: str, file: Path, name: str | None = None, app: str = "tasks", **env: str
    ) -> subprocess.Popen[str]:
        """A real worker consuming `queue` (or several: 'a,b'), returned once the broker sees its consumers."""
        node = f"{name or queue}-{self.vhost}@%h"
        process = self.start("worker", "-l", "info", "-P", "solo", "-n", node, "-Q", queue, file=file, app=app, **env)
        for each in queue.split(","):
            wait_until(partial(self.consumed, each), f"a worker consuming {each!r}", process)
        return process

    def consumers(self, queue: str) -> int:
        return self._counts(queue)[1]

    def consumed(self, queue: str) -> bool:
        return self.consumers(queue) > 0

    def ready(self, queue: str) -> int:
        return self._counts(queue)[0]

    def _counts(self, queue: str) -> tuple[int, int]:
        with self.connection() as connection:
            method = connection.channel().queue_declare(queue, passive=True).method
            return int(method.message_count), int(method.consumer_count)

    def stop(self) -> None:
        stop_processes(self.processes)


def stop_processes(processes: list[subprocess.Popen[str]]) -> None:
    """Terminate the workers and clients a test started, then kill what did not exit within 15 s."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(
    condition: Callable[[], bool],
    what: str,
    process: subprocess.Popen[str] | None = None,
    timeout: float = 60,
    pause: float = 0.2,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"process exited ({process.returncode}) while waiting for {what}")
        if condition():
            return
        time.sleep(pause)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture
def broker(base_settings: Settings, tmp_path: Path) -> Iterator[Broker]:
    with fresh_vhost(base_settings, tmp_path) as state:
        yield state


@contextmanager
def fresh_vhost(base_settings: Settings, tmp_path: Path) -> Iterator[Broker]:
    """A vhost of its own, deleted (its processes stopped first) once done: a test's, or a module's."""
    vhost = f"topology-test-{uuid.uuid4().hex[:12]}"
    management = ManagementClient(base_settings.management)
    management.create_vhost(vhost)
    broker_url = BASE_BROKER.rstrip("/") + "/" + quote(vhost, safe="")
    state = Broker(vhost, resolve_settings(broker_url, BASE_MANAGEMENT), tmp_path)
    try:
        yield state
    finally:
        state.stop()
        management.delete_vhost(vhost)


@pytest.fixture
def seed(broker: Broker) -> Path:
    """The seed's routing.yaml, applied to this test's vhost."""
    path = broker.write(SEED)
    assert broker.cli("apply", file=path).returncode == 0
    return path


@pytest.fixture
def client(broker: Broker, seed: Path) -> Iterator[Celery]:
    """A client app like `tasks`, on this test's vhost, results over rpc://."""
    app = configure(Celery("client", set_as_current=False), load_topology(seed), broker_url=broker.url)
    assert app.conf.result_backend == "rpc://"
    yield app
    app.close()

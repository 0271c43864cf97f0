"""Broker edges, each with its own one-line explanation and exit 3: a port that accepts and never answers, a
host name that does not resolve, TLS to a plain port, another HTTP server where the management API should be.
The servers are this test's own, on free ports; the broker is the test's vhost on the host's RabbitMQ."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from http.server import HTTPServer, SimpleHTTPRequestHandler

import pytest

from tests.conftest import SEED, envelope
from tests.live.conftest import Broker
from topology.broker.handshake import prove_amqp
from topology.errors import BrokerUnavailable

COMMANDS = ["doctor", "plan", "apply", "inspect"]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return  # closed

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1]
    server.close()
    for each in accepted:
        each.close()


@pytest.fixture
def foreign_http_port() -> Iterator[int]:
    """Some other HTTP server (`python -m http.server`'s handler): 404 in HTML for /api/..."""
    server = HTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def run_all(broker: Broker, *options: str) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every command with `options`, at once (a never-answering port costs each the handshake timeout)."""
    file = broker.write(SEED)
    with ThreadPoolExecutor(len(COMMANDS)) as pool:
        runs = {c: pool.submit(broker.cli, c, *options, "--format", "json", file=file) for c in COMMANDS}
        return {command: run.result() for command, run in runs.items()}


def assert_one_line(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit 3, one line on stderr naming the cause, the envelope saying the same, no password, no traceback."""
    line = result.stderr
    assert result.returncode == 3, result.stdout + result.stderr
    assert line.count("\n") == 1 and "Traceback" not in line, line
    for needle in needles:
        assert needle in line, line
    assert "guest:guest" not in result.stdout + line and "AMQPConnectionWorkflowFailed" not in line
    [problem] = envelope(result.stdout)["problems"]
    assert problem["message"] == line.strip()
    return line


def test_a_port_that_accepts_and_never_answers_is_named_by_every_command(broker: Broker, silent_port: int) -> None:
    silent = replace(broker.settings.broker, host="127.0.0.1", port=silent_port).url(secret=True)
    management = broker.settings.management.url(secret=True)
    for command, result in run_all(broker, "--broker", silent, "--management-url", management).items():
        line = assert_one_line(result, "the port accepts connections but no AMQP handshake came")
        assert "fix the broker URL" in line, command


def test_an_unresolvable_host_name_says_dns(broker: Broker) -> None:
    nowhere = replace(broker.settings.broker, host="no-such-host.invalid").url(secret=True)
    management = broker.settings.management.url(secret=True)
    for result in run_all(broker, "--broker", nowhere, "--management-url", management).values():
        assert_one_line(result, "the host name 'no-such-host.invalid' does not resolve (DNS)", "--broker")


def test_tls_to_a_plain_port_says_tls_even_when_plan_has_nothing_to_do(broker: Broker) -> None:
    file = broker.write(SEED)
    assert broker.cli("apply", file=file).returncode == 0
    tls = replace(broker.settings.broker, scheme="amqps").url(secret=True)
    management = broker.settings.management.url(secret=True)
    for command, result in run_all(broker, "--broker", tls, "--management-url", management).items():
        line = assert_one_line(result, "the TLS handshake failed", "amqp:// for that")
        assert "5671" in line, command  # plan too: nothing to change, but workers could not connect


def test_another_http_server_is_not_taken_for_a_missing_vhost(broker: Broker, foreign_http_port: int) -> None:
    foreign = replace(broker.settings.management, host="127.0.0.1", port=foreign_http_port).url(secret=True)
    for result in run_all(broker, "--management-url", foreign).values():
        line = assert_one_line(result, "it is not RabbitMQ's management API", "--management-url")
        assert "does not exist" not in line


def test_the_handshake_by_hand_opens_a_real_connection_and_names_login_and_vhost_refusals(broker: Broker) -> None:
    """plan's AMQP proof is AMQP's own handshake: the broker accepts it, and refuses what it must, saying why."""
    prove_amqp(broker.settings)  # no error: RabbitMQ opened the vhost for it
    wrong_password = replace(broker.settings, broker=replace(broker.settings.broker, password="WRONGPW"))
    with pytest.raises(BrokerUnavailable, match="refused user 'guest': wrong user or password") as refused:
        prove_amqp(wrong_password)
    assert "WRONGPW" not in str(refused.value)
    with pytest.raises(BrokerUnavailable, match="the vhost does not exist or 'guest' may not use it"):
        prove_amqp(replace(broker.settings, vhost=f"{broker.vhost}-missing"))


def test_plan_with_a_wrong_amqp_password_exits_3_even_with_nothing_to_do(broker: Broker) -> None:
    file = broker.write(SEED)
    assert broker.cli("apply", file=file).returncode == 0
    wrong = replace(broker.settings.broker, password="WRONGPW").url(secret=True)
    planned = broker.cli(
        "plan", "--broker", wrong, "--management-url", broker.settings.management.url(secret=True), file=file
    )
    assert planned.returncode == 3 and "wrong user or password" in planned.stderr
    assert "WRONGPW" not in planned.stdout + planned.stderr

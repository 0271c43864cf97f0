"""The per-vhost apply lock: an exclusive queue held on the broker for the whole read-plan-send of `apply`.

Two applies on one vhost would each find no conflict and then both send, leaving a mix of both files. Each
apply first declares the exclusive queue `topology.apply-lock`: RabbitMQ lets only one connection hold it
(any other's declare is refused, 405 RESOURCE_LOCKED) and deletes it when that connection closes, so a
killed apply never leaves it behind. Its arguments say who holds it, for the one that has to wait. The
lock's connection sends no heartbeats: it does nothing while apply works, and must not be dropped for it.
Exclusive queues are no drift: the vhost's definitions leave them out, and the planner ignores them.
"""

from __future__ import annotations

import getpass
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pika
import pika.exceptions

from topology.broker.amqp import CONNECT_ERRORS, Refusal, connect_error, connection_parameters
from topology.broker.management import ManagementClient
from topology.broker.settings import Settings
from topology.errors import BrokerUnavailable

LOCK_QUEUE = "topology.apply-lock"
HOLDER_ARGUMENT = "x-topology-holder"
RESOURCE_LOCKED = 405
POLL_SECONDS = 0.25


@dataclass
class ApplyLock:
    """Held while its connection is open: a connection lost mid-apply (the broker restarting, the network)
    loses the lock with it, and the apply's retry takes it again before it reads the vhost again."""

    connection: Any

    @property
    def held(self) -> bool:
        try:
            self.connection.process_data_events(time_limit=0)  # learns of a close the socket has seen
        except (pika.exceptions.AMQPError, OSError):
            return False
        return bool(self.connection.is_open)

    def release(self) -> None:
        """Close its connection; one already lost has released the lock."""
        try:
            if self.connection.is_open:
                self.connection.close()
        except (pika.exceptions.AMQPError, OSError):
            pass


def holder() -> str:
    """Who this process is, as the one waiting for the lock reads it."""
    return f"{getpass.getuser()}@{socket.gethostname()} pid {os.getpid()} since {time.strftime('%H:%M:%S')}"


def lock_connection(settings: Settings) -> Any:
    """The connection that will hold the lock (BrokerUnavailable with the fix when none opens)."""
    parameters = connection_parameters(settings, f"topology apply lock ({holder()})")
    parameters.heartbeat = 0
    try:
        return pika.BlockingConnection(parameters)
    except CONNECT_ERRORS as error:
        raise connect_error(settings, error) from None


def acquire(
    connection: Any,
    settings: Settings,
    wait_seconds: float,
    say: Callable[[str], None],
    stopping: threading.Event | None = None,
) -> ApplyLock:
    """The lock, on `connection`, waiting up to `wait_seconds` (saying so once) while another apply holds
    it; past that, BrokerUnavailable (exit 3) naming the holder. `stopping`: set when the command ends
    before the lock is taken (an invalid file): the wait ends too."""
    me = holder()
    stop = stopping or threading.Event()
    deadline = time.monotonic() + wait_seconds
    waiting = False
    while True:
        refusal = _declare(connection, me)
        if refusal is None:
            return ApplyLock(connection)
        if refusal.code != RESOURCE_LOCKED:
            connection.close()
            raise BrokerUnavailable(f"cannot take the apply lock on vhost {settings.vhost!r}: {refusal.explanation}")
        if time.monotonic() >= deadline:
            connection.close()
            raise BrokerUnavailable(
                f"another apply holds the lock on vhost {settings.vhost!r} ({held_by(settings)}): let it finish "
                f"and run apply again, or wait longer with --lock-wait SECONDS (a killed apply's lock goes with "
                "its connection)"
            )
        if not waiting:
            vhost = settings.vhost
            say(f"waiting up to {wait_seconds:g} s for the apply lock on vhost {vhost!r}, held by {held_by(settings)}")
            waiting = True
        if stop.wait(POLL_SECONDS):
            connection.close()
            raise BrokerUnavailable(f"stopped waiting for the apply lock on vhost {settings.vhost!r}")


def _declare(connection: Any, me: str) -> Refusal | None:
    channel = connection.channel()
    try:
        channel.queue_declare(LOCK_QUEUE, exclusive=True, auto_delete=True, arguments={HOLDER_ARGUMENT: me})
    except pika.exceptions.ChannelClosedByBroker as error:
        return Refusal(error.reply_code, error.reply_text)
    return None


def held_by(settings: Settings) -> str:
    """The holder the lock queue's arguments name, with its connection's address (management API), or as
    much as can be told without it."""
    try:
        queue = ManagementClient(settings.management).queue(settings.vhost, LOCK_QUEUE)
    except BrokerUnavailable:
        return "another connection (the management API did not say which)"
    who = queue.get("arguments", {}).get(HOLDER_ARGUMENT, "another connection")
    peer = (queue.get("owner_pid_details") or {}).get("peer_host")
    return f"{who}, connected from {peer}" if peer else str(who)

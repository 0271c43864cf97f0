"""Every task publish confirmed by RabbitMQ, or an error at the caller within the file's confirm timeout.

Without confirms, `apply_async` returns once the frames are written to the socket: a broker that dies
before writing the message to disk loses it, and the caller is told nothing. With kombu's
`confirm_publish`, py-amqp waits for the broker's basic.ack (for a persistent message on a durable queue,
sent once it is on disk) and raises on a nack.

Waiting must end, though, and kombu's retries alone do not bound it. A publish retries through
`Connection.ensure`, whose reconnects sleep between attempts, and each attempt may wait a whole connect
timeout and a whole confirm wait; the rpc:// backend declares its reply queue with `maybe_declare(...,
retry=True)` and no retry policy, which retries without end while the broker is down. So one deadline
covers a whole publish: the reply queue's declaration, every connection attempt, every retry and the
confirm. kombu calls its `errback` after each failed attempt; that errback (`give_up_past_deadline`)
raises `PublishNotConfirmed` once another attempt would not fit before the deadline. Each attempt's
confirm wait is half the timeout, so that a publish on a stale connection (the broker restarted since)
still has time to reconnect and publish again. py-amqp's waits for a method's reply have no timeout of
their own (RabbitMQ 4.3, a cluster node just lost, left a queue.declare unanswered for minutes): the
connections' read timeout, the same half, bounds each, and kombu retries a wait that timed out as it
does a lost connection.

A publish that timed out or lost its connection while waiting for the confirm may still have reached the
queue: the guarantee is at-least-once, and resending can duplicate.

Remote control (`celery_adapter/control.py`) and the worker's events (its heartbeats) are left unconfirmed:
they are best effort by Celery's design, and on RabbitMQ 4.x a queue of a cluster node that is down stays
listed, so a broadcast or an event reaching a dead worker's pidbox or event queue is nacked. Confirmed,
kombu retries that nack at once and without end: a worker failing over to another node never finished
starting.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from amqp.exceptions import AMQPError, MessageNacked  # type: ignore[import-untyped]  # py-amqp has no type hints
from celery._state import task_join_will_block
from celery.app.amqp import AMQP
from celery.backends.rpc import RPCBackend
from kombu.common import maybe_declare
from kombu.exceptions import KombuError, OperationalError

from topology import hints
from topology.model import DEFAULT_CONFIRM_TIMEOUT, Topology

CONFIRM_TIMEOUT_SETTING = "topology_confirm_timeout"
"""The Celery setting (one of this project's own) that carries routing.yaml's `publish.confirm_timeout`."""
RPC_BACKEND = f"{__name__}:BoundedRPCBackend"
CELERY_CONNECT_TIMEOUT = 4.0
"""Celery's own default `broker_connection_timeout`, kept where the confirm timeout leaves room for it."""
CONNECT_SHARE = 0.25
"""The part of the confirm timeout one connection attempt may take."""
CONFIRM_SHARE = 0.5
"""The part of the confirm timeout one wait for the broker's confirm may take."""
RETRY_SHARE = 0.1
"""The part of the confirm timeout kombu may sleep between two attempts."""
PUBLISH_RETRIES = 3
"""Celery's own default; the deadline, not this count, is what bounds a publish."""


class PublishNotConfirmed(OperationalError):  # type: ignore[misc]  # kombu is untyped
    """RabbitMQ did not confirm a task in time, refused it, or could not be reached.

    A kombu OperationalError, as an unreachable broker raised before, so existing handlers still catch it.
    """

    def __init__(self, task: str, task_id: str | None, broker: str, reason: str) -> None:
        self.task, self.task_id, self.broker, self.reason = task, task_id, broker, reason
        missing = hints.not_found(reason)
        advice = (
            f"It is not queued: {missing}, then send it again"
            if missing
            else "It may not be queued: send it again once the broker answers (`python -m topology doctor` checks "
            "it; a task that timed out waiting may also have been queued, so a resend can run it twice), or give "
            "a slow broker more time with `publish: {confirm_timeout: ...}` in routing.yaml"
        )
        super().__init__(f"task {task!r} (id {task_id}) was not confirmed by RabbitMQ at {broker}: {reason}. {advice}")


def publish_settings(topology: Topology) -> dict[str, Any]:
    """The Celery settings that make every publish confirmed and bounded by the file's confirm timeout."""
    timeout = topology.publishing.confirm_timeout
    return {
        # the errback here also bounds the reconnects of a channel opened before any publish retries; the read
        # timeout bounds each wait for a reply py-amqp makes without one (the rpc:// reply queue's declare-ok)
        "broker_transport_options": {
            "confirm_publish": True,
            "errback": give_up_past_deadline,
            "read_timeout": timeout * CONFIRM_SHARE,
        },
        "broker_connection_timeout": min(CELERY_CONNECT_TIMEOUT, timeout * CONNECT_SHARE),
        "task_publish_retry_policy": {
            "max_retries": PUBLISH_RETRIES,
            "interval_start": 0,
            "interval_step": timeout * RETRY_SHARE / 2,
            "interval_max": timeout * RETRY_SHARE,
        },
        CONFIRM_TIMEOUT_SETTING: timeout,
    }


@dataclass(frozen=True)
class _Publish:
    """The publish of one task under way in this thread (or context), and when it must give up."""

    task: str
    task_id: str | None
    producer: Any
    deadline: float
    confirm_wait: float
    attempt: float
    """The longest one more attempt can take: a connect and a confirm wait."""

    def failed(self, error: BaseException) -> PublishNotConfirmed:
        reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        return PublishNotConfirmed(self.task, self.task_id, self.producer.connection.as_uri(), reason)


_current: ContextVar[_Publish | None] = ContextVar("topology_publish", default=None)
_PUBLISH_ERRORS = (KombuError, AMQPError, OSError, MessageNacked)
"""What a publish raises when the broker is unreachable, closes the channel, nacks or does not confirm."""


def give_up_past_deadline(error: BaseException, interval: float = 0) -> None:
    """kombu's errback after a failed attempt (`interval`: the sleep before the next): raise when the next
    attempt could not end before the current publish's deadline. Outside a publish it does nothing."""
    current = _current.get()
    if current is not None and time.monotonic() + interval + current.attempt > current.deadline:
        raise current.failed(error)


@contextmanager
def _publishing(task: str, task_id: str | None, producer: Any, timeout: float, connect: float) -> Iterator[_Publish]:
    """The deadline of one task's publish, for kombu's retries inside; any failure as PublishNotConfirmed."""
    confirm_wait = timeout * CONFIRM_SHARE
    current = _Publish(task, task_id, producer, time.monotonic() + timeout, confirm_wait, connect + confirm_wait)
    token = _current.set(current)
    try:
        yield current
    except PublishNotConfirmed:
        raise
    except _PUBLISH_ERRORS as error:
        raise current.failed(error) from error
    finally:
        _current.reset(token)


class ConfirmedAMQP(AMQP):  # type: ignore[misc]  # Celery's class is untyped
    """Celery's AMQP whose task sender publishes confirmed, within the confirm timeout, and declares the
    rpc:// reply queue itself under the same deadline (where the task's name is known for the error)."""

    def _create_task_sender(self) -> Callable[..., Any]:
        send = super()._create_task_sender()
        app = self.app
        timeout = app.conf.get(CONFIRM_TIMEOUT_SETTING) or DEFAULT_CONFIRM_TIMEOUT
        connect = app.conf.broker_connection_timeout or CELERY_CONNECT_TIMEOUT

        def send_task_message(producer: Any, name: str, message: Any, **options: Any) -> Any:
            headers, properties = message[0], message[1] or {}
            asked = options.pop("retry_policy", None) or {}
            policy = {**app.conf.task_publish_retry_policy, **asked, "errback": give_up_past_deadline}
            with _publishing(name, headers.get("id"), producer, timeout, connect) as current:
                confirmed = self._watch(producer)
                replied = properties.get("reply_to") and not headers.get("ignore_result")
                if replied and isinstance(app.backend, BoundedRPCBackend):
                    app.backend.declare_reply_queue(producer, policy)
                options.setdefault("confirm_timeout", current.confirm_wait)
                sent = send(producer, name, message, retry_policy=policy, **options)
            confirmed(name, headers.get("id"))
            return sent

        return send_task_message

    def _watch(self, producer: Any) -> Callable[[str, str | None], None]:
        """Called within the publish's deadline, before it (reaching the channel may connect): what to check
        once the publish is confirmed, given the task's name and id. Here: nothing."""
        return lambda name, task_id: None


class BoundedRPCBackend(RPCBackend):  # type: ignore[misc]  # Celery's class is untyped
    """rpc:// whose reply queue is declared by the confirmed task sender, within its deadline, rather than
    by `on_task_call` with retries that never end while the broker is down."""

    def on_task_call(self, producer: Any, task_id: str) -> None:
        """Declared in `declare_reply_queue`, at publish time."""

    def declare_reply_queue(self, producer: Any, retry_policy: dict[str, Any]) -> None:
        if not task_join_will_block():  # in a worker's pool the queue is declared already (as Celery says)
            maybe_declare(self.binding(producer.channel), retry=True, **retry_policy)


def use_bounded_rpc(app: Any) -> None:
    """Make `app`'s rpc:// backend bounded. Its publishes are confirmed by its AMQP class, a ConfirmedAMQP
    (`mandatory.use_mandatory` installs the subclass that every configured app uses)."""
    app.loader.override_backends = {**app.loader.override_backends, "rpc": RPC_BACKEND}


def unconfirmed_connection(app: Any, **options: Any) -> Any:
    """A connection like `app.connection_for_write(**options)`, without publisher confirms: for what is best
    effort (remote control, events), which a nack must not hold up."""
    return app.connection_for_write(transport_options={"confirm_publish": False}, **options)

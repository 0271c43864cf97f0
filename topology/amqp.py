"""AMQP 0-9-1 with pika: probe, check and declare exchanges, queues and bindings on one vhost.

A channel error (404 on a passive declare, 406 on an inequivalent one) closes the channel; this
client opens a fresh one and turns the broker's answer into a value, so callers never see pika.
"""

from __future__ import annotations

import re
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TypeVar

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

from topology.errors import BrokerUnavailable
from topology.model import Binding, Exchange, Queue
from topology.settings import Settings

CONNECT_TIMEOUT_SECONDS = 5.0
NOT_FOUND = 404
PLUGIN_HINT = "enable the plugin that provides it (`rabbitmq-plugins enable <plugin>`) and apply again"
T = TypeVar("T")


@dataclass(frozen=True)
class QueueCounts:
    messages_ready: int
    consumers: int


@dataclass(frozen=True)
class Refusal:
    """The broker closed the channel instead of doing what was asked."""

    code: int
    text: str

    @property
    def explanation(self) -> str:
        """The broker's reason in words a user reads: `durable` is false on the broker, true in the file."""
        found = re.search(r"inequivalent arg '([^']+)'.*: received (.+) but current is (.+)$", self.text)
        if found:
            arg, wanted, current = found.groups()
            return f"{arg} is {_value(current)} on the broker but {_value(wanted)} in routing.yaml"
        return self.text.split(" - ", 1)[-1]


class AmqpClient:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._connection = _connect(settings)
        self._channel: BlockingChannel = self._connection.channel()

    def __enter__(self) -> AmqpClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._connection.is_open:
            self._connection.close()

    def exchange_exists(self, name: str) -> bool | Refusal:
        result = self._call(lambda ch: ch.exchange_declare(name, passive=True))
        return _exists(result)

    def queue_counts(self, name: str) -> QueueCounts | Refusal | None:
        """Ready messages and consumers of `name`, live; None when the queue does not exist."""
        result = self._call(lambda ch: ch.queue_declare(name, passive=True))
        if isinstance(result, Refusal):
            return None if result.code == NOT_FOUND else result
        return QueueCounts(result.method.message_count, result.method.consumer_count)

    def declare_exchange(self, exchange: Exchange) -> Refusal | None:
        """Declare `exchange`; on an existing one this is a pure equivalence check (406 if it differs)."""
        return _refusal(
            self._call(
                lambda ch: ch.exchange_declare(
                    exchange.name,
                    exchange.type.value,
                    durable=exchange.durable,
                    auto_delete=exchange.auto_delete,
                    internal=exchange.internal,
                    arguments=dict(exchange.arguments) or None,
                )
            )
        )

    def declare_queue(self, queue: Queue) -> Refusal | None:
        """Declare `queue`; on an existing one this is a pure equivalence check (406 if it differs)."""
        return _refusal(
            self._call(
                lambda ch: ch.queue_declare(
                    queue.name,
                    durable=queue.durable,
                    auto_delete=queue.auto_delete,
                    arguments=queue.declare_arguments() or None,
                )
            )
        )

    def bind(self, destination: Queue | Exchange, binding: Binding) -> Refusal | None:
        """Bind a queue, or an exchange (RabbitMQ's exchange-to-exchange extension), to `binding.exchange`."""
        arguments = dict(binding.arguments) or None
        if isinstance(destination, Queue):
            return _refusal(
                self._call(lambda ch: ch.queue_bind(destination.name, binding.exchange, binding.routing_key, arguments))
            )
        return _refusal(
            self._call(lambda ch: ch.exchange_bind(destination.name, binding.exchange, binding.routing_key, arguments))
        )

    def _call(self, operation: Callable[[BlockingChannel], T]) -> T | Refusal:
        if not self._channel.is_open:
            self._channel = self._connection.channel()
        try:
            return operation(self._channel)
        except pika.exceptions.ChannelClosedByBroker as closed:
            return Refusal(closed.reply_code, closed.reply_text)
        except pika.exceptions.ConnectionClosedByBroker as closed:
            raise BrokerUnavailable(
                f"RabbitMQ at {self.settings.broker} closed the connection: {closed.reply_text}"
                + (f"; {PLUGIN_HINT}" if "exchange type" in closed.reply_text else "")
            ) from None
        except pika.exceptions.AMQPConnectionError as lost:
            raise BrokerUnavailable(f"lost the connection to RabbitMQ at {self.settings.broker}: {lost}") from None


def _value(text: str) -> str:
    """RabbitMQ's "the value '3' of type 'signedint'" as 3, and "none" as "not set"."""
    typed = re.fullmatch(r"the value '(.*)' of type '\w+'", text)
    return typed.group(1) if typed else "not set" if text == "none" else text


def _exists(result: object) -> bool | Refusal:
    if isinstance(result, Refusal):
        return False if result.code == NOT_FOUND else result
    return True


def _refusal(result: object) -> Refusal | None:
    return result if isinstance(result, Refusal) else None


def _connect(settings: Settings) -> pika.BlockingConnection:
    broker = settings.broker
    parameters = pika.ConnectionParameters(
        host=broker.host,
        port=broker.port,
        virtual_host=settings.vhost,
        credentials=pika.PlainCredentials(broker.username, broker.password),
        ssl_options=pika.SSLOptions(ssl.create_default_context(), broker.host) if settings.tls else None,
        connection_attempts=1,
        socket_timeout=CONNECT_TIMEOUT_SECONDS,
        stack_timeout=CONNECT_TIMEOUT_SECONDS * 2,
        client_properties={"connection_name": "topology"},
    )
    where = f"RabbitMQ at {broker} (vhost {settings.vhost!r})"
    try:
        return pika.BlockingConnection(parameters)
    except pika.exceptions.ProbableAuthenticationError:
        raise BrokerUnavailable(
            f"{where} refused user {broker.username!r}: wrong user or password; fix the broker URL "
            f"(--broker or $CELERY_BROKER_URL)"
        ) from None
    except pika.exceptions.ProbableAccessDeniedError:
        raise BrokerUnavailable(
            f"{where}: the vhost does not exist or {broker.username!r} may not use it: "
            f"`rabbitmqctl add_vhost {settings.vhost}` and "
            f"`rabbitmqctl set_permissions -p {settings.vhost} {broker.username} '.*' '.*' '.*'`"
        ) from None
    except (pika.exceptions.AMQPConnectionError, OSError) as error:
        raise BrokerUnavailable(
            f"cannot connect to {where}: {_reason(error)}; start RabbitMQ (scripts/ensure-rabbitmq does it) "
            f"or point --broker / $CELERY_BROKER_URL at a running one"
        ) from None


def _reason(error: BaseException) -> str:
    """The cause in a few words: pika nests it (AMQPConnectionError(AMQPConnectorSocketConnectError(...)))."""
    if isinstance(error, socket.gaierror):
        return "cannot resolve the host name"
    text = " ".join(repr(arg) for arg in error.args) or type(error).__name__
    for needle, reason in (("refused", "connection refused"), ("timed out", "timed out"), ("timeout", "timed out")):
        if needle in text.lower():
            return reason
    return text

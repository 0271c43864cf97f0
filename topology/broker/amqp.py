"""AMQP 0-9-1 with pika: connection parameters, connection errors in words, and the broker's refusals.

A channel error (404 on a passive declare, 406 on an inequivalent one) closes the channel; `Refusal`
is that answer as a value, explained in the words of routing.yaml. `pipeline` does the declaring.
"""

from __future__ import annotations

import re
import socket
import ssl
from dataclasses import dataclass
from typing import TypeVar

import pika
import pika.exceptions
from pika.adapters.utils.connection_workflow import (
    AMQPConnectionWorkflowFailed,
    AMQPConnectorException,
    AMQPConnectorPhaseErrorBase,
    AMQPConnectorStackTimeout,
)

from topology import hints
from topology.broker.handshake import ACCESS_REFUSED, CONNECT_TIMEOUT_SECONDS, NOT_ALLOWED, explain, refusal
from topology.broker.settings import Settings
from topology.errors import BrokerUnavailable
from topology.values import parse_rabbitmq_value, show

NOT_FOUND = 404
PRECONDITION_FAILED = 406
PLUGIN_HINT = f"enable the plugin that provides it ({hints.enable_plugin('<plugin>')})"
T = TypeVar("T")
INEQUIVALENT = re.compile(r"inequivalent arg '([^']+)'.*: received (.+) but current is (.+)$")


@dataclass(frozen=True)
class Refusal:
    """The broker closed the channel instead of doing what was asked."""

    code: int
    text: str

    @property
    def inequivalent(self) -> tuple[str, str, str] | None:
        """For a declare RabbitMQ found inequivalent (406): the property, the value sent and the broker's
        value, as RabbitMQ words them ("the value '5' of type 'signedint'", 'true', none); else None."""
        found = INEQUIVALENT.search(self.text)
        return (found[1], found[2], found[3]) if found else None

    @property
    def explanation(self) -> str:
        """The broker's reason in words a user reads: `durable` is false on the broker, true in the file."""
        if self.inequivalent:
            arg, wanted, current = self.inequivalent
            found, declared = parse_rabbitmq_value(current), parse_rabbitmq_value(wanted)
            return f"{arg} is {show(found)} on the broker but {show(declared)} in routing.yaml"
        reason = self.text.split(" - ", 1)[-1]
        refused = re.search(r"in vhost '([^']*)' refused for user '([^']*)'", reason)
        if self.code == ACCESS_REFUSED and refused:
            vhost, user = refused.groups()
            grant = hints.grant_permissions(vhost, user)
            return f"{reason}: apply needs configure, write and read permissions on the vhost (`{grant}`)"
        return reason


def check_connection(settings: Settings) -> None:
    """Open and close one connection: raises BrokerUnavailable with the reason and the fix."""
    connect(settings).close()


def connection_parameters(settings: Settings, name: str = "topology") -> pika.ConnectionParameters:
    broker = settings.broker
    return pika.ConnectionParameters(
        host=broker.host,
        port=broker.port,
        virtual_host=settings.vhost,
        credentials=pika.PlainCredentials(broker.username, broker.password),
        ssl_options=pika.SSLOptions(ssl.create_default_context(), broker.host) if settings.tls else None,
        connection_attempts=1,
        socket_timeout=CONNECT_TIMEOUT_SECONDS,
        stack_timeout=CONNECT_TIMEOUT_SECONDS * 2,
        client_properties={"connection_name": name},
    )


def connect(settings: Settings, name: str = "topology") -> pika.BlockingConnection:
    """A blocking connection, or BrokerUnavailable with the reason and the fix."""
    try:
        return pika.BlockingConnection(connection_parameters(settings, name))
    except CONNECT_ERRORS as error:
        raise connect_error(settings, error) from None


CONNECT_ERRORS = (pika.exceptions.AMQPConnectionError, AMQPConnectorException, OSError)
"""What opening a pika connection raises when it cannot: pika's own errors, its connector's (a stack
timeout is not an AMQPConnectionError), and the socket's."""


def connect_error(settings: Settings, error: BaseException) -> BrokerUnavailable:
    """Why a connection could not be opened, in one line with the fix (never the password): each cause
    (refused, no such host, TLS refused, a port that never speaks AMQP, login or vhost refused) with its own."""
    error = _root_cause(error)
    if isinstance(error, pika.exceptions.ProbableAuthenticationError):
        return refusal(settings, ACCESS_REFUSED, str(error))
    if isinstance(error, pika.exceptions.ProbableAccessDeniedError):
        return refusal(settings, NOT_ALLOWED, str(error))
    if isinstance(error, AMQPConnectorStackTimeout) or (
        isinstance(error, pika.exceptions.AMQPConnectionError) and "timeout" in repr(error).lower()
    ):
        error = TimeoutError(str(error))
    elif not isinstance(error, OSError):
        error = OSError(_reason(error))
    return explain(settings, error, CONNECT_TIMEOUT_SECONDS * 2)


def _root_cause(error: BaseException) -> BaseException:
    """The error under pika's wrappers: a failed workflow's last attempt, a connector phase's own error."""
    while True:
        if isinstance(error, AMQPConnectionWorkflowFailed) and error.exceptions:
            error = error.exceptions[-1]
        elif isinstance(error, AMQPConnectorPhaseErrorBase):
            error = error.exception
        else:
            return error


def _reason(error: BaseException) -> str:
    """The cause in a few words: pika nests it (AMQPConnectionError(AMQPConnectorSocketConnectError(...)))."""
    if isinstance(error, socket.gaierror):
        return "cannot resolve the host name"
    text = " ".join(repr(arg) for arg in error.args) or type(error).__name__
    for needle, reason in (("refused", "connection refused"), ("timed out", "timed out"), ("timeout", "timed out")):
        if needle in text.lower():
            return reason
    return text

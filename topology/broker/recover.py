"""The nets' queues over AMQP: read without consuming, and replayed without losing or duplicating a task.

Reading takes each message with basic.get, without acknowledging it, until the queue has no more ready
ones (or the limit is reached); then one basic.nack (multiple, requeue) hands them all back. RabbitMQ puts
requeued messages of a classic queue (the nets' queues are classic) back where they were, so a read leaves
the queue as it found it, its messages marked redelivered. A get followed by a requeue one message at a time
would not do: the requeued message goes back to the head, and is the next one got. While held, messages
are invisible to other readers; should this process die, RabbitMQ requeues them as the connection closes.

Discarding acknowledges each chosen message as it is got (RabbitMQ removes it), and hands the rest back.

Replaying publishes each chosen message through its current route on a channel in confirm mode, and only
once RabbitMQ has confirmed it (for durable queues, on disk) is the original acknowledged, that is removed.
An interruption leaves every original not yet acknowledged in its queue, so nothing is lost; Ctrl-C and
SIGTERM are held off until the message in hand is confirmed and acknowledged, so nothing is duplicated
either. Only a kill -9 (or a lost connection) between a confirm and its ack can leave a task both replayed
and kept: at-least-once, like every other delivery.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

from topology.broker.amqp import NOT_FOUND, connect
from topology.broker.settings import Settings
from topology.errors import BrokerUnavailable, ConnectionLost
from topology.model import Destination
from topology.planning.kept import KeptTask, kept_task, replay_headers

Advance = Callable[[int], None]
Decision = Destination | str
"""Where a kept task is to be replayed, or why it stays where it is."""


@dataclass(frozen=True)
class Read:
    tasks: tuple[KeptTask, ...]
    ready: int  # how many the queue held when the read began (more than `tasks` when a limit cut it short)


@dataclass
class Replayed:
    replayed: list[KeptTask] = field(default_factory=list)
    kept: list[tuple[KeptTask, str]] = field(default_factory=list)  # not chosen, or not routable: and why
    interrupted: bool = False


def read_kept(settings: Settings, queue: str, limit: int | None = None) -> Read:
    """Up to `limit` messages of `queue`, in queue order, all left in it."""
    with _channel(settings, queue) as channel:
        tasks, ready = [], 0
        for method, properties, body in _gets(channel, queue):
            ready = ready or method.message_count + 1
            tasks.append(_kept(method, properties, body))
            if limit is not None and len(tasks) >= limit:
                break
        channel.basic_nack(0, multiple=True, requeue=True)
        return Read(tuple(tasks), ready)


def replay_kept(
    settings: Settings,
    queue: str,
    decide: Callable[[KeptTask], Decision],
    progress: Callable[[int], Advance] | None = None,
) -> Replayed:
    """Each message of `queue` that `decide` gives a destination: published there with a confirm, then acked."""
    outcome, advance = Replayed(), None
    with _channel(settings, queue) as source, _stopping() as stop:
        target = source.connection.channel()
        target.confirm_delivery()
        for method, properties, body in _gets(source, queue):
            if advance is None and progress is not None:
                advance = progress(method.message_count + 1)
            kept = _kept(method, properties, body)
            decision = decide(kept)
            if isinstance(decision, str):
                outcome.kept.append((kept, decision))
            else:
                _publish(target, decision, properties, body, kept)
                source.basic_ack(method.delivery_tag)  # only now: the replay is RabbitMQ's responsibility
                outcome.replayed.append(kept)
            if advance is not None:
                advance(1)
            if stop.is_set():
                outcome.interrupted = True
                break
        source.basic_nack(0, multiple=True, requeue=True)  # every message not replayed stays, where it was
    return outcome


@dataclass
class Discarded:
    discarded: list[KeptTask] = field(default_factory=list)
    interrupted: bool = False


def discard_kept(settings: Settings, queue: str, chosen: Callable[[KeptTask], bool]) -> Discarded:
    """Each message of `queue` that is `chosen`, removed for good; every other one left where it was."""
    outcome = Discarded()
    with _channel(settings, queue) as channel, _stopping() as stop:
        for method, properties, body in _gets(channel, queue):
            kept = _kept(method, properties, body)
            if chosen(kept):
                channel.basic_ack(method.delivery_tag)
                outcome.discarded.append(kept)
            if stop.is_set():
                outcome.interrupted = True
                break
        channel.basic_nack(0, multiple=True, requeue=True)
    return outcome


def _publish(
    channel: BlockingChannel, to: Destination, properties: pika.BasicProperties, body: bytes, kept: KeptTask
) -> None:
    properties.headers = replay_headers(properties.headers)
    properties.delivery_mode = pika.DeliveryMode.Persistent.value
    try:
        channel.basic_publish(to.exchange, to.routing_key, body, properties, mandatory=True)
    except (pika.exceptions.UnroutableError, pika.exceptions.NackError) as error:
        what = "reached no queue" if isinstance(error, pika.exceptions.UnroutableError) else "was refused"
        raise ConnectionLost(
            f"replaying task {kept.task!r} (id {kept.id}) to exchange {to.exchange!r} with routing key "
            f"{to.routing_key!r}: RabbitMQ says it {what}; it stays in the queue, with every task not yet replayed"
        ) from None


def _gets(channel: BlockingChannel, queue: str) -> Iterator[tuple[Any, pika.BasicProperties, bytes]]:
    while True:
        method, properties, body = channel.basic_get(queue, auto_ack=False)
        if method is None:
            return
        yield method, properties, body


def _kept(method: Any, properties: pika.BasicProperties, body: bytes) -> KeptTask:
    return kept_task(method.exchange, method.routing_key, properties.headers, body, properties.content_type)


@contextmanager
def _channel(settings: Settings, queue: str) -> Iterator[BlockingChannel]:
    connection = connect(settings)
    try:
        yield connection.channel()
    except pika.exceptions.ChannelClosedByBroker as closed:
        if closed.reply_code == NOT_FOUND:
            raise BrokerUnavailable(
                f"queue {queue!r} does not exist in vhost {settings.vhost!r}: run `python -m topology apply`"
            ) from None
        raise ConnectionLost(f"RabbitMQ closed the channel reading {queue!r}: {closed.reply_text}") from None
    except pika.exceptions.AMQPConnectionError as error:
        raise ConnectionLost(
            f"lost the connection to RabbitMQ while reading {queue!r} ({error!r}): "
            "every task not yet replayed is still in the queue"
        ) from None
    finally:
        if connection.is_open:
            connection.close()


@contextmanager
def _stopping() -> Iterator[threading.Event]:
    """Ctrl-C and SIGTERM, while this lasts, only ask the replay to stop after the task in hand."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def ask(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, ask) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

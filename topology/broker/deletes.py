"""Queue deletes that work on every queue type: asked right before whether the queue is still idle.

queue.delete's own guards (if-unused, if-empty) are refused by quorum and stream queues: RabbitMQ closes
the whole connection with NOT_IMPLEMENTED. So a queue the plan found empty and unconsumed is asked again
with a passive declare, which every queue type answers, on the channel that then deletes it unguarded;
one that got a message or a consumer since the plan is left as it was, refused as the broker would refuse
it. Deletes are few (--recreate, --prune), so each waits for its answers on one blocking channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pika.exceptions

from topology import hints
from topology.broker.amqp import NOT_FOUND, PRECONDITION_FAILED, Refusal, connect
from topology.broker.settings import Settings
from topology.errors import ConnectionLost
from topology.model import Ref
from topology.planning.operations import Operation


def delete_if_idle(settings: Settings, deletes: Sequence[Operation]) -> dict[Ref, Refusal]:
    """Delete each queue of `deletes` that is empty and unconsumed when asked; what was refused, by object.
    A queue already gone is no refusal: what was asked is done."""
    refused: dict[Ref, Refusal] = {}
    connection = connect(settings, "topology apply (deletes)")
    try:
        channel = connection.channel()
        for operation in deletes:
            refusal = _delete_if_idle(channel, operation.ref.name, settings.vhost)
            if refusal is not None and refusal.code != NOT_FOUND:
                refused[operation.ref] = refusal
            if not channel.is_open:
                channel = connection.channel()
    except pika.exceptions.AMQPConnectionError as error:
        raise ConnectionLost(f"lost the connection to RabbitMQ at {settings.broker} while deleting: {error}") from None
    finally:
        if connection.is_open:
            connection.close()
    return refused


def _delete_if_idle(channel: Any, queue: str, vhost: str) -> Refusal | None:
    try:
        counts = channel.queue_declare(queue, passive=True).method
        if counts.message_count or counts.consumer_count:
            messages, consumers = counts.message_count, counts.consumer_count
            held = f"{hints.counted(messages, 'ready message')}, {hints.counted(consumers, 'consumer')}"
            return Refusal(
                PRECONDITION_FAILED,
                f"PRECONDITION_FAILED - queue {queue!r} in vhost {vhost!r} is in use again since the plan "
                f"({held}): left as it was",
            )
        channel.queue_delete(queue)
    except pika.exceptions.ChannelClosedByBroker as error:
        return Refusal(error.reply_code, error.reply_text)
    return None

"""The per-queue-type argument table in broker_rules is what RabbitMQ really accepts and refuses."""

from __future__ import annotations

from typing import Any

import pika
import pika.exceptions
import pytest

from tests.live.conftest import Broker
from topology.checks.broker_rules import QUEUE_ARGUMENTS
from topology.model import QueueType

VALID_VALUES: dict[str, Any] = {
    "x-expires": 60_000,
    "x-message-ttl": 1_000,
    "x-dead-letter-exchange": "dlx",
    "x-dead-letter-routing-key": "k",
    "x-max-length": 10,
    "x-max-length-bytes": 1_000,
    "x-max-priority": 5,
    "x-overflow": "reject-publish",
    "x-queue-mode": "lazy",
    "x-queue-version": 2,
    "x-single-active-consumer": True,
    "x-queue-master-locator": "client-local",
    "x-dead-letter-strategy": "at-least-once",
    "x-delivery-limit": 5,
    "x-quorum-initial-group-size": 1,
    "x-max-in-memory-length": 5,
    "x-max-in-memory-bytes": 1_000,
    "x-max-age": "1h",
    "x-stream-max-segment-size-bytes": 1_000_000,
    "x-initial-cluster-size": 1,
    "x-queue-leader-locator": "client-local",
}


def _accepted(channel_of: Any, name: str, queue_type: QueueType, arguments: dict[str, Any]) -> bool:
    channel = channel_of()
    typed = {} if queue_type is QueueType.CLASSIC else {"x-queue-type": queue_type.value}
    try:
        channel.queue_declare(name, durable=True, arguments={**arguments, **typed})
    except pika.exceptions.ChannelClosedByBroker as refused:
        assert refused.reply_code == 406
        return False
    channel.queue_delete(name)
    return True


def test_every_argument_is_accepted_exactly_on_the_queue_types_the_table_says(broker: Broker) -> None:
    assert set(VALID_VALUES) == set(QUEUE_ARGUMENTS)
    disagreements = []
    with broker.connection() as connection:
        for argument, accepted_on in QUEUE_ARGUMENTS.items():
            extra = {"x-dead-letter-exchange": "dlx"} if argument == "x-dead-letter-routing-key" else {}
            for queue_type in QueueType:
                name = f"{queue_type.value}-{argument}"
                accepted = _accepted(connection.channel, name, queue_type, {argument: VALID_VALUES[argument], **extra})
                if accepted != (queue_type in accepted_on):
                    disagreements.append((argument, queue_type.value, "accepted" if accepted else "refused"))
    assert disagreements == []


@pytest.mark.parametrize("queue_type", [QueueType.QUORUM, QueueType.STREAM])
def test_replicated_queues_refuse_non_durable_and_auto_delete_as_the_rules_say(
    broker: Broker, queue_type: QueueType
) -> None:
    with broker.connection() as connection:
        for options in ({"durable": False}, {"durable": True, "auto_delete": True}):
            channel = connection.channel()
            with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
                channel.queue_declare("q", arguments={"x-queue-type": queue_type.value}, **options)
            assert refused.value.reply_code == 406

"""Queues that can still drop a message without anyone being told: warned of by `validate`. Pure.

RabbitMQ drops a message, unless the queue dead-letters, when it expires (a message TTL), when a queue
over its max_length or max_length_bytes drops its head (the default overflow), and when a quorum queue's
delivery limit is reached (set, or RabbitMQ 4's default of 20 for every quorum queue). A queue dead-letters
when it or its policy names a dead-letter exchange; the dead-letter net gives every queue of the file one.
"""

from __future__ import annotations

from collections.abc import Iterator

from topology.model import DEAD_LETTER_EXCHANGE, Problem, Queue, QueueType, Severity, Topology

QUORUM_DEFAULT_DELIVERY_LIMIT = 20
"""What RabbitMQ 4.0 and later set as a quorum queue's delivery limit when none is set."""


def check_dropping_queues(topology: Topology) -> Iterator[Problem]:
    for queue in topology.queues:
        if queue.type is QueueType.STREAM or topology.dead_letter_exchange_of(queue) is not None:
            continue
        ways = list(_ways_to_drop(topology, queue))
        if ways:
            yield Problem(
                f"queue {queue.name!r} drops messages {' and '.join(ways)}, and does not dead-letter them: "
                f"set dead_letters (or remove `dead_letters: false`), or a dead_letter_exchange on the queue",
                queue.origins.get(DEAD_LETTER_EXCHANGE, queue.origin),
                Severity.WARNING,
            )


def _ways_to_drop(topology: Topology, queue: Queue) -> Iterator[str]:
    if topology.queue_setting(queue, "x-message-ttl") is not None:
        yield "that expire (message_ttl)"
    limited = [k for k in ("x-max-length", "x-max-length-bytes") if topology.queue_setting(queue, k) is not None]
    if limited and topology.queue_setting(queue, "x-overflow") in (None, "drop-head"):
        yield f"at its head once full ({' and '.join(k.removeprefix('x-').replace('-', '_') for k in limited)})"
    limit = topology.queue_setting(queue, "x-delivery-limit")
    if limit is not None:
        yield f"delivered {limit} times (delivery_limit)"
    elif queue.type is QueueType.QUORUM:
        yield f"delivered {QUORUM_DEFAULT_DELIVERY_LIMIT} times (RabbitMQ 4's default delivery limit for quorum queues)"

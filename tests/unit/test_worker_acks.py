"""When the worker's acks reach the broker: at once from the event loop's thread, through the hub from others."""

from __future__ import annotations

import threading

from topology.celery_adapter.worker import TopologyConsumer


class RecordingHub:
    """The hub's one method an ack goes through: it records what it would run on its next turn."""

    def __init__(self) -> None:
        self.deferred: list[object] = []

    def call_soon(self, callback: object) -> object:
        self.deferred.append(callback)
        return callback


def test_an_ack_from_the_event_loops_thread_is_sent_at_once_and_one_from_a_pool_thread_goes_through_the_hub() -> None:
    """With prefetch 1 a deferred ack is the next task's wait: the broker delivers nothing before it."""
    consumer = TopologyConsumer.__new__(TopologyConsumer)  # only what acking touches: no broker connection
    consumer.hub, consumer._loop_thread = RecordingHub(), threading.get_ident()
    acked: list[str] = []
    consumer.call_soon_ack(acked.append, "from the loop")
    assert acked == ["from the loop"] and consumer.hub.deferred == []
    pool_thread = threading.Thread(target=consumer.call_soon_ack, args=(acked.append, "from a pool thread"))
    pool_thread.start()
    pool_thread.join()
    assert acked == ["from the loop"] and len(consumer.hub.deferred) == 1
    consumer.hub.deferred[0]()
    assert acked == ["from the loop", "from a pool thread"]

"""Many AMQP operations at once: several connections and channels, pipelined, with a sync point per batch.

A blocking client pays one round-trip per declare. Here each channel sends a batch of declarations
with nowait (no reply expected) and then one synchronous method (basic.qos): RabbitMQ handles a
channel's methods in order, so its qos-ok means the whole batch was done. When the broker refuses
one operation it closes that channel; the batch is then replayed on a fresh channel one reply at a
time, which tells exactly which operation was refused (every operation here is idempotent).
Operations that need their reply (passive declares, queue.unbind, which has no nowait) are pipelined
too: pika's channel methods would send a channel's next synchronous method only once the previous one is
answered (a round-trip and a wake-up of this process each), so their frames are sent as they come and
RabbitMQ's replies, which come in the order of the requests, are matched to them first in, first out. AMQP 0-9-1
allows it (section 3.2.1: the sender of a synchronous request "SHOULD wait for the specific reply method,
but MAY implement this asynchronously"); pika has no public way, hence its Channel._send_method.
Waiting operations can also be sent on the chance that none is refused (`stop_at_refusal`): the first
refusal then ends the run, and what was not answered by then is left for the caller to decide.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pika
import pika.exceptions
from pika import amqp_object, spec
from pika.adapters.select_connection import IOLoop

from topology.broker.amqp import PLUGIN_HINT, Refusal, connect_error, connection_parameters
from topology.broker.settings import Settings
from topology.errors import BrokerUnavailable, ConnectionLost
from topology.planning.operations import Operation

BATCH = 200
"""Operations per channel between sync points: enough to hide the round-trip, few enough to replay."""

# RabbitMQ runs a channel's declares one after another, so a cold apply goes faster with more channels
# declaring at once, and takes less of the broker's CPU an object (measured: docs/performance.md).
# A small change opens one channel, not 64.
MAX_CHANNELS = 64
CHANNELS_PER_CONNECTION = 16
OPERATIONS_PER_CHANNEL = 16

# The AMQP method each waiting operation is sent as, and the reply it gets. A waiting operation's arguments
# build the frame as they are: those made here (passive declares by name, queue.unbind) use only keywords
# that pika's channel methods and the frames share (pika's `exchange_type` is the frame's `type`).
SYNCHRONOUS: dict[str, tuple[type[amqp_object.Method], type[amqp_object.Method]]] = {
    "queue_declare": (spec.Queue.Declare, spec.Queue.DeclareOk),
    "exchange_declare": (spec.Exchange.Declare, spec.Exchange.DeclareOk),
    "queue_unbind": (spec.Queue.Unbind, spec.Queue.UnbindOk),
}

Progress = Callable[[int], None]
"""Called with the number of operations just completed."""


@dataclass(frozen=True)
class Outcome:
    operation: Operation
    refusal: Refusal | None = None
    reply: Any = None  # the reply method of a waiting operation (Queue.DeclareOk: message and consumer counts)


def run(
    settings: Settings,
    phases: Sequence[Sequence[Operation]],
    *,
    fan_out: tuple[int, int] | None = None,
    progress: Progress | None = None,
    stop_at_refusal: bool = False,
) -> list[Outcome]:
    """Run each phase's operations in parallel, phase after phase; the outcome of every operation that was
    refused or waited. Raises BrokerUnavailable if no connection opens, ConnectionLost if one drops.

    `fan_out`: (connections, channels on each), by default as many as the largest phase can use
    (`fan_out_for`); a connection opens no more channels than the broker allows (channel_max).

    `stop_at_refusal` (operations that wait only): end the run at the first refusal instead of replaying;
    operations not answered by then have no outcome (at most one refusal a channel: those in flight)."""
    progress = progress or (lambda _: None)
    work = [list(p) for p in phases if p]
    connections, channels = fan_out or fan_out_for(max(map(len, work), default=0))
    return _Runner(settings, work, connections, channels, progress, stop_at_refusal).run()


def fan_out_for(operations: int) -> tuple[int, int]:
    """(connections, channels on each) for a phase of `operations`: a channel per OPERATIONS_PER_CHANNEL,
    up to MAX_CHANNELS, CHANNELS_PER_CONNECTION to a connection."""
    wanted = min(MAX_CHANNELS, max(1, -(-operations // OPERATIONS_PER_CHANNEL)))
    connections = -(-wanted // CHANNELS_PER_CONNECTION)
    return connections, -(-wanted // connections)


@dataclass
class _Worker:
    """One channel working through its share of a phase, a batch at a time."""

    runner: _Runner
    connection: pika.SelectConnection
    channel: Any = None
    queue: list[Operation] = field(default_factory=list)
    batch: list[Operation] = field(default_factory=list)
    careful: bool = False  # replaying a refused batch one reply at a time
    answered: int = 0  # operations of the batch the broker confirmed (careful, or waiting ones only)
    expected: deque[tuple[Operation, int]] = field(default_factory=deque)  # sent waiting operations, in order

    def open(self) -> None:
        self.connection.channel(on_open_callback=self._opened)

    def _opened(self, channel: Any) -> None:
        self._attach(channel)
        self.runner.ready(self)

    def _attach(self, channel: Any) -> None:
        self.channel, self.expected = channel, deque()
        channel.add_on_close_callback(self._closed)
        for _, reply in SYNCHRONOUS.values():  # pika drops a channel's callbacks when it closes
            channel.callbacks.add(channel.channel_number, reply, self._replied, one_shot=False)

    def start(self, operations: list[Operation]) -> None:
        self.queue = operations
        self._next_batch()

    def _next_batch(self) -> None:
        if self.runner.finished:
            return
        if not self.queue:
            self.runner.idle(self)
            return
        self.batch, self.queue = self.queue[:BATCH], self.queue[BATCH:]
        self._send()

    def _send(self) -> None:
        batch = self.batch
        for index, operation in enumerate(batch):
            if self.careful:
                callback = self._answer(operation, index)
                getattr(self.channel, operation.method)(**operation.arguments, callback=callback)
            elif operation.waits:
                method, _ = SYNCHRONOUS[operation.method]
                self.expected.append((operation, index))
                self.channel._send_method(method(**operation.arguments))  # pipelined: see the module's doc
            else:
                getattr(self.channel, operation.method)(**operation.arguments)
        self.channel.basic_qos(prefetch_count=0, callback=lambda _frame: self._batch_done(batch))

    def _answer(self, operation: Operation, index: int) -> Callable[[Any], None]:
        def answered(frame: Any) -> None:
            self.answered = index + 1
            if operation.waits:
                self.runner.outcomes[id(operation)] = Outcome(operation, reply=frame.method)

        return answered

    def _replied(self, frame: Any) -> None:
        """A reply to a pipelined waiting operation: the oldest one not answered yet."""
        if not self.expected:
            return  # the reply to a careful replay's call, which its own callback (`_answer`) takes
        operation, index = self.expected.popleft()
        self.answered = index + 1
        self.runner.outcomes[id(operation)] = Outcome(operation, reply=frame.method)

    def _batch_done(self, batch: list[Operation]) -> None:
        if batch is not self.batch:
            return  # a late sync point of a batch already replayed
        self.runner.progress(len(batch))
        self.careful, self.answered, self.batch = False, 0, []
        self._next_batch()

    def _closed(self, channel: Any, reason: Exception) -> None:
        if not isinstance(reason, pika.exceptions.ChannelClosedByBroker) or not self.batch:
            return  # we closed it, or the connection went (its own callback reports that)
        if self.careful or self.runner.stop_at_refusal:  # `answered` tells which operation was refused
            refused = self.batch[self.answered]
            self.runner.outcomes[id(refused)] = Outcome(refused, Refusal(reason.reply_code, reason.reply_text))
            if self.runner.stop_at_refusal:
                self.runner.stop()
                return
            self.runner.progress(self.answered + 1)
            self.batch = self.batch[self.answered + 1 :]
        self.careful, self.answered = True, 0
        self.connection.channel(on_open_callback=self._reopened)

    def _reopened(self, channel: Any) -> None:
        self._attach(channel)
        if self.batch:
            self._send()
        else:
            self.careful = False
            self._next_batch()


class _Runner:
    def __init__(
        self,
        settings: Settings,
        phases: list[list[Operation]],
        connections: int,
        channels: int,
        progress: Progress,
        stop_at_refusal: bool,
    ) -> None:
        self.settings = settings
        self.phases = phases
        self.connection_count = connections
        self.channels_per_connection = channels
        self.progress = progress
        self.stop_at_refusal = stop_at_refusal
        self.outcomes: dict[int, Outcome] = {}  # by id(operation): a replayed operation answers again
        self.error: BrokerUnavailable | None = None
        self.ioloop = IOLoop()
        self.connections: list[pika.SelectConnection] = []
        self.workers: list[_Worker] = []
        self.waiting: set[int] = set()
        self.opened = 0  # connections open, each with its channels opening
        self.finished = False

    def run(self) -> list[Outcome]:
        if not self.phases:
            return []
        for number in range(self.connection_count):
            self.connections.append(
                pika.SelectConnection(
                    connection_parameters(self.settings, f"topology apply {number + 1}"),
                    on_open_callback=self._connection_opened,
                    on_open_error_callback=self._open_failed,
                    on_close_callback=self._connection_closed,
                    custom_ioloop=self.ioloop,
                )
            )
        self.ioloop.start()
        if self.error is not None:
            raise self.error
        return list(self.outcomes.values())

    def _connection_opened(self, connection: pika.SelectConnection) -> None:
        if self.finished:
            connection.close()
            return
        self.opened += 1
        for _ in range(min(self.channels_per_connection, connection.params.channel_max)):
            worker = _Worker(self, connection)
            self.workers.append(worker)
            worker.open()

    def ready(self, worker: _Worker) -> None:
        """A channel opened; once all have, the first phase starts."""
        if self.opened == self.connection_count and all(w.channel is not None for w in self.workers):
            self._start_phase()

    def _start_phase(self) -> None:
        if not self.phases:
            self.stop()
            return
        operations = self.phases.pop(0)
        self.waiting = set(range(len(self.workers)))
        # contiguous shares keep each object's operations (delete, then declare) in order on one channel
        share = -(-len(operations) // len(self.workers))
        for number, worker in enumerate(self.workers):
            worker.start(operations[number * share : (number + 1) * share])

    def idle(self, worker: _Worker) -> None:
        self.waiting.discard(self.workers.index(worker))
        if not self.waiting:
            self._start_phase()

    def stop(self) -> None:
        """Close the connections (what was sent and not answered is dropped); the run returns once they are."""
        if self.finished:
            return  # a second refusal in flight, or a failure already closing them
        self.finished = True
        open_connections = [c for c in self.connections if c.is_open]
        if not open_connections:
            self.ioloop.stop()
        for connection in open_connections:
            connection.close()

    def _open_failed(self, connection: pika.SelectConnection, error: BaseException) -> None:
        self._fail(connect_error(self.settings, error))

    def _connection_closed(self, connection: pika.SelectConnection, reason: BaseException) -> None:
        if self.finished:
            if all(c.is_closed for c in self.connections):
                self.ioloop.stop()
            return
        where = f"RabbitMQ at {self.settings.broker}"
        if isinstance(reason, pika.exceptions.ConnectionClosedByBroker):
            hint = f"; {PLUGIN_HINT}" if "exchange type" in reason.reply_text else ""
            self._fail(ConnectionLost(f"{where} closed the connection: {reason.reply_text}{hint}"))
        else:
            self._fail(ConnectionLost(f"lost the connection to {where}: {reason}"))

    def _fail(self, error: BrokerUnavailable) -> None:
        if self.error is None:
            self.error = error
        self.finished = True
        for connection in self.connections:
            if connection.is_open:
                connection.close()
        if all(c.is_closed for c in self.connections):
            self.ioloop.stop()

"""The worker's consumer: minus Celery's native delayed delivery (5.5+), naming its worker to the broker,
bounding poison tasks, using per-consumer prefetch when it consumes a quorum queue, and sending acks at once
(docs/design.md#acks).

With a quorum queue in `task_queues`, Celery's DelayedDelivery bootstep declares 56 `celery_delayed_*`
exchanges and queues at worker start, and binds every consumed queue's exchange to the queue with
key `#.<routing key>`. That is topology made behind `apply`'s back, and on a headers exchange such a
binding (no header arguments) matches every message: a silent routing change. routing.yaml stays the
one source of the topology, so the step is left out; ETA/countdown tasks are held by the worker, as
they are on classic queues.

Only `apply` declares queues: a worker whose queue does not exist (started before `apply`, or the queue
deleted under it, `watch_cancelled`) says so in one line naming `apply`, checks again every
QUEUE_CHECK_SECONDS for up to QUEUE_WAIT_SECONDS, and consumes once the queue is there (`wait_for_queues`),
instead of Celery's NOT_FOUND traceback and exit.

A task redelivered more than its queue's max_runs is dead-lettered instead of run (`planning/poison.py`).
The worker's settings carry each queue's type and max_runs (`WORKER_QUEUES`), because the kombu queues
leave x-queue-type out (`celery_adapter/config.py` says why).
"""

from __future__ import annotations

import math
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

import kombu
from amqp.exceptions import (  # type: ignore[import-untyped]  # py-amqp has no type hints
    AMQPNotImplementedError,
    ConsumerCancelled,
    NotFound,
    PreconditionFailed,
)
from celery.exceptions import WorkerShutdown
from celery.utils.log import get_logger
from celery.worker.consumer import Consumer
from celery.worker.consumer.control import Control
from celery.worker.consumer.tasks import Tasks
from celery.worker.state import active_requests, maybe_shutdown
from kombu.message import Message

from topology import hints
from topology.celery_adapter.delays import DELAYS_SETTING, due_in, into_ladder
from topology.celery_adapter.publishing import unconfirmed_connection
from topology.codes import Code
from topology.model import DELAY_EXCHANGE_HEADER, DELAY_QUEUE_HEADER, Delays, QueueType
from topology.planning.consumers import HOST_PROPERTY, PID_PROPERTY, WORKER_PROPERTY
from topology.planning.poison import Verdict, counted_headers, judge

DELAYED_DELIVERY_STEP = "celery.worker.consumer.delayed_delivery:DelayedDelivery"
TASKS_STEP = "celery.worker.consumer.tasks:Tasks"
CONTROL_STEP = "celery.worker.consumer.control:Control"
WORKER_QUEUES = "topology_queues"
"""The Celery setting naming each queue a worker may consume: {queue: {"type": ..., "max_runs": ...}}."""
REPUBLISHED_PROPERTIES = (
    "correlation_id", "reply_to", "message_id", "timestamp", "type", "app_id", "user_id",
)  # fmt: skip

AGAIN_ABOVE = 2.0
"""A task that reaches the worker due more than this many seconds later goes round the delay ladder again."""
AFTER_TIMEOUT_HEADER = "x-topology-after-timeout"
"""Marks the copy of a task whose run lost its ack to the consumer_timeout, sent round the ladder meanwhile."""
AFTER_TIMEOUT_RECHECK = 5
"""Seconds between two looks at whether that run is over."""
TIMED_OUT_KEPT = 10_000
"""How many tasks whose ack the consumer_timeout took a worker remembers (the oldest forgotten first)."""

logger = get_logger(__name__)


def queues_setting(conf: Mapping[str, Any]) -> Mapping[str, Mapping[str, Any]]:
    queues: Mapping[str, Mapping[str, Any]] = conf.get(WORKER_QUEUES) or {}
    return queues


class QuorumAwareTasks(Tasks):  # type: ignore[misc]
    """Celery's task-consuming step, told of quorum queues by the settings: RabbitMQ refuses a consumer on
    a quorum queue from a channel with a global prefetch limit, and Celery would find no x-queue-type."""

    name = Tasks.name

    refused_global_qos: ClassVar[bool] = False
    """Set once RabbitMQ refused a consumer for the global prefetch limit: a queue of the settings' is a quorum
    queue on the broker although the settings say otherwise (`apply --migrate` made it one under the worker)."""

    def qos_global(self, c: Consumer) -> bool:
        quorum = any(q.get("type") == QueueType.QUORUM.value for q in queues_setting(c.app.conf).values())
        return False if quorum or QuorumAwareTasks.refused_global_qos else bool(super().qos_global(c))

    def start(self, c: Consumer) -> None:
        wait_for_queues(c)
        super().start(c)
        watch_cancelled(c)


QUEUE_CHECK_SECONDS = 5.0
"""How often a worker whose queue is missing checks again."""
QUEUE_WAIT_SECONDS = 600.0
"""How long it waits for its queues before it stops (exit 1): long enough to run `apply`, not forever."""
QUEUE_REMINDER_SECONDS = 60.0
"""How often it says again that a queue is missing."""


def wait_for_queues(c: Consumer) -> None:
    """Return once every queue the worker consumes exists; meanwhile say, once and then every minute, which
    is missing and what declares it. Past QUEUE_WAIT_SECONDS, stop the worker. Celery would consume a missing
    queue, die on NOT_FOUND, and advise `task_create_missing_queues`, which this project turns off on purpose."""
    # the queues apply declares; a broadcast queue is each worker's own, declared as it consumes
    names = sorted(name for name, queue in c.app.amqp.queues.consume_from.items() if queue.no_declare)
    started = time.monotonic()
    said = -QUEUE_REMINDER_SECONDS
    while missing := _missing_queues(c.connection, names):
        waited = time.monotonic() - started
        shown = hints.missing_on_broker("queue", missing[0]) + (
            f" (and {len(missing) - 1} more)" if missing[1:] else ""
        )
        if waited >= QUEUE_WAIT_SECONDS:
            logger.critical("stopping after waiting %.0f s: %s", waited, shown)
            raise WorkerShutdown(1)
        if waited - said >= QUEUE_REMINDER_SECONDS:
            logger.error("%s; checking every %.0f s for up to %.0f s", shown, QUEUE_CHECK_SECONDS, QUEUE_WAIT_SECONDS)
            said = waited
        _pause(c, QUEUE_CHECK_SECONDS)
    if said >= 0:
        logger.warning("queue %s found: consuming", ", ".join(map(repr, names)))


def watch_cancelled(c: Consumer) -> None:
    """Every QUEUE_CHECK_SECONDS, whether the broker cancelled one of the task consumers (its queue deleted
    under the worker): then raise ConsumerCancelled, a connection error, so that the consumer restarts and
    `wait_for_queues` says what is missing. py-amqp raises it as the broker's cancel arrives, but Celery's
    event loop swallows it in its first tenth of a second (`celery.worker.loops._quick_drain`), and the worker
    would then consume nothing, for good. The timer goes with the connection (Celery drops the entries made
    since it connected)."""
    consumer = c.task_consumer
    channel = consumer.channel

    def check() -> None:
        tags: Mapping[str, str] = getattr(consumer, "_active_tags", None) or {}
        gone = [queue for queue, tag in tags.items() if tag not in channel.callbacks]
        if gone:
            raise ConsumerCancelled(f"the broker cancelled the consumer of queue {gone[0]!r} (deleted?)")

    c.timer.call_repeatedly(QUEUE_CHECK_SECONDS, check)


def _missing_queues(connection: Any, names: list[str]) -> list[str]:
    """The queues among `names` the broker does not have, asked by passive declares (a refusal closes its
    channel: each is asked on a channel of its own)."""
    missing = []
    for name in names:
        channel = connection.channel()
        try:
            channel.queue_declare(name, passive=True)
        except NotFound:
            missing.append(name)
            continue
        channel.close()
    return missing


def _pause(c: Consumer, seconds: float) -> None:
    """Sleep, stopping at once if the worker is told to stop, and keeping the connection's heartbeats."""
    until = time.monotonic() + seconds
    while (left := until - time.monotonic()) > 0:
        maybe_shutdown()
        c.connection.heartbeat_check()
        time.sleep(min(left, 0.5))


class TasksControl(Control):  # type: ignore[misc]
    """Celery's remote-control step, requiring the task step that replaces Celery's."""

    name = Control.name
    requires = (QuorumAwareTasks,)


_REPLACED = {TASKS_STEP: f"{__name__}:QuorumAwareTasks", CONTROL_STEP: f"{__name__}:TasksControl"}


class TopologyConsumer(Consumer):  # type: ignore[misc]  # Celery is untyped here
    class Blueprint(Consumer.Blueprint):  # type: ignore[misc]
        default_steps: ClassVar[list[str]] = [
            _REPLACED.get(step, step) for step in Consumer.Blueprint.default_steps if step != DELAYED_DELIVERY_STEP
        ]

    _loop_thread: int | None = None
    """The thread running the event loop (None before it asks for its task handler)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timed_out: dict[str, str] = {}
        """Task id -> name of the tasks that were running when RabbitMQ's consumer_timeout closed the channel."""

    def create_task_handler(self, *args: Any, **kwargs: Any) -> Callable[[Message], None]:
        """Celery's handler of task messages, behind the poison-task bound of each consumed queue."""
        self._loop_thread = threading.get_ident()  # the event loop asks for its handler from its own thread
        handle: Callable[[Message], None] = super().create_task_handler(*args, **kwargs)
        queues = queues_setting(self.app.conf)

        delays = self.app.conf.get(DELAYS_SETTING)

        def on_task_received(message: Message) -> None:
            task_id = message.headers.get("id")
            again = message.delivery_info.get("redelivered") or message.headers.get(AFTER_TIMEOUT_HEADER)
            if task_id in self._timed_out and again:
                return self._after_timeout(message, task_id)
            if isinstance(delays, Delays) and self._round_again(message, delays):
                return None
            queue = self._queue_of(message)
            max_runs = queues.get(queue, {}).get("max_runs") if queue is not None else None
            if queue is None or max_runs is None:
                return handle(message)
            judgement = judge(bool(message.delivery_info.get("redelivered")), message.headers, max_runs)
            if judgement.verdict is Verdict.RUN:
                return handle(message)
            task = f"{message.headers.get('task')}[{message.headers.get('id')}]"
            if judgement.verdict is Verdict.COUNT:
                self._publish_counted(message, queue, judgement.failed)
                message.ack()
                logger.warning("%s: delivery %d of %d allowed by queue %r", task, judgement.failed + 1, max_runs, queue)
                return None
            logger.error(
                "%s dead-lettered: %d deliveries ended without an ack (max_runs %d of queue %r), "
                "as when the task kills its worker",
                task,
                judgement.failed,
                max_runs,
                queue,
            )
            message.reject(requeue=False)
            return None

        return on_task_received

    def call_soon_ack(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Ack (or reject) at once when the event loop's own thread asks, as Celery does without a hub.

        Through the hub, an ack asked for while the loop runs its ready callbacks (a task run by the solo
        pool from a buffered delivery) waits for the next poll to return; with prefetch 1 the broker sends
        nothing before that ack, so the poll waits its whole timeout and the worker idles between tasks.
        Other threads (the threads pool) still go through the hub, which wakes the loop for them."""
        if threading.get_ident() == self._loop_thread:
            return callback(*args, **kwargs)
        return super().call_soon_ack(callback, *args, **kwargs)

    def _queue_of(self, message: Message) -> str | None:
        """The queue a message was delivered from, by its consumer tag (kombu keeps queue -> tag)."""
        tag = message.delivery_info.get("consumer_tag")
        tags = getattr(self.task_consumer, "_active_tags", None) or {}
        return next((name for name, each in tags.items() if each == tag), None)

    def on_connection_error_after_connected(self, exc: BaseException) -> None:
        """Before Celery reconnects: when RabbitMQ closed the channel because a delivery stayed unacked past
        its consumer_timeout (406; RabbitMQ 4.3 cancels a quorum queue's consumer instead), the tasks still
        running are noted. Their acks are lost with the channel and
        RabbitMQ delivers them again: such a redelivery is not run a second time, nor counted as a poison
        task's run (`_after_timeout`). When a consumer was refused for the global prefetch limit (a queue
        became a quorum queue under the worker: `apply --migrate`), the restart asks for per-consumer prefetch
        (`QuorumAwareTasks.refused_global_qos`)."""
        if isinstance(exc, AMQPNotImplementedError) and "global qos" in str(exc):
            QuorumAwareTasks.refused_global_qos = True
            logger.warning("a queue this worker consumes is a quorum queue on the broker: per-consumer prefetch")
        running = {request.id: request.name for request in tuple(active_requests)}
        if is_consumer_timeout(exc) or (isinstance(exc, ConsumerCancelled) and running):
            self._timed_out.update(running)
            while len(self._timed_out) > TIMED_OUT_KEPT:
                self._timed_out.pop(next(iter(self._timed_out)))
            shown = ", ".join(f"{name}[{task_id}]" for task_id, name in running.items()) or "none running"
            logger.warning(
                "%s: RabbitMQ closed the channel or cancelled the consumer, as it does for a delivery unacked past "
                "the queue's consumer_timeout (%s); "
                "reconnecting. Still running: %s (each finishes here; its redelivery is acked, not run again, and "
                "not counted against max_runs). %s",
                Code.CONSUMER_TIMEOUT.value,
                exc,
                shown,
                hints.CONSUMER_TIMEOUT,
            )
        super().on_connection_error_after_connected(exc)

    def _after_timeout(self, message: Message, task_id: str) -> None:
        """A task redelivered after its channel timed out (see `on_connection_error_after_connected`): once the
        run that lost its ack is over, ack the redelivery without running it. Until then, it goes round the
        delay ladder (a copy marked as such, confirmed, then the delivery acked: it takes no prefetch slot
        meanwhile, and a copy stays on the broker should this worker die); without a ladder, it is held here and
        looked at again every second."""
        if any(request.id == task_id for request in tuple(active_requests)):
            delays = self.app.conf.get(DELAYS_SETTING)
            if not isinstance(delays, Delays):
                self.timer.call_after(1.0, self._after_timeout, (message, task_id))
                return
            headers = {**message.headers, AFTER_TIMEOUT_HEADER: "1"}
            self._delay(message, headers, delays, AFTER_TIMEOUT_RECHECK)
            return
        name = self._timed_out.pop(task_id, message.headers.get("task"))
        try:
            message.ack()
        except (*self.connection_errors, *self.channel_errors) as error:  # its channel closed again: redelivered
            self._timed_out[task_id] = name
            logger.debug("the redelivery of %s[%s] could not be acked: %r", name, task_id, error)
            return
        logger.warning(
            "%s: %s[%s] ran once here and its ack was lost to the consumer_timeout; its redelivery is acked, "
            "not run again",
            Code.CONSUMER_TIMEOUT.value,
            name,
            task_id,
        )

    def _round_again(self, message: Message, delays: Delays) -> bool:
        """Whether `message` is a task due later still (a delay longer than the ladder's, or another client's
        eta): then it is sent round the ladder again, confirmed, and acked here."""
        due = due_in(message.headers)
        if due is None or due < AGAIN_ABOVE:
            return False
        self._delay(message, dict(message.headers), delays, math.ceil(due))
        return True

    def _delay(self, message: Message, headers: dict[str, Any], delays: Delays, seconds: int) -> None:
        """`message` with `headers` sent round the ladder for `seconds` (to where it was going), then acked."""
        if DELAY_EXCHANGE_HEADER in headers:
            exchange, routing_key = str(headers[DELAY_EXCHANGE_HEADER]), message.delivery_info["routing_key"]
        elif DELAY_QUEUE_HEADER in headers:
            exchange, routing_key = "", str(headers[DELAY_QUEUE_HEADER])
        else:
            exchange, routing_key = message.delivery_info["exchange"], message.delivery_info["routing_key"]
        properties = {k: v for k, v in message.properties.items() if k in REPUBLISHED_PROPERTIES}
        level = into_ladder(delays, min(seconds, delays.longest), headers, properties, exchange, routing_key)
        self._republish(message, level, routing_key, headers, properties)
        message.ack()

    def _publish_counted(self, message: Message, queue: str, failed: int) -> None:
        """A copy of `message` to the tail of `queue` (by the default exchange: to that queue alone), with
        its count, confirmed before the original is acked: a worker lost in between leaves both, never none."""
        properties = {k: v for k, v in message.properties.items() if k in REPUBLISHED_PROPERTIES}
        headers = counted_headers(
            message.headers, failed, message.delivery_info["exchange"], message.delivery_info["routing_key"]
        )
        self._republish(message, "", queue, headers, properties)

    def _republish(
        self, message: Message, exchange: str, routing_key: str, headers: Mapping[str, Any], properties: dict[str, Any]
    ) -> None:
        """`message` published again, with these headers and properties, confirmed."""
        with self.app.connection_for_write(transport_options={"confirm_publish": True}) as connection:
            kombu.Producer(connection.default_channel).publish(
                message.body,
                exchange=exchange,
                routing_key=routing_key,
                headers=headers,
                content_type=message.content_type,
                content_encoding=message.content_encoding,
                delivery_mode=message.properties.get("delivery_mode"),
                priority=message.properties.get("priority"),
                expiration=_seconds(message.properties.get("expiration")),
                **properties,
            )

    def connection_for_read(self, heartbeat: float | None = None) -> Any:
        """The consuming connection, saying which worker it is: the management API lists consumers by
        connection, and kombu's consumer tags (`None4`) name no worker. py-amqp sends the transport
        options' `client_properties` on connecting; `connection_name` is what the management UI shows."""
        connection = self.app.connection_for_read(heartbeat=heartbeat)
        connection.transport_options = {**connection.transport_options, "client_properties": self.identity()}
        return self.ensure_connected(connection)

    def connection_for_write(self, url: str | None = None, heartbeat: float | None = None) -> Any:
        """The events' connection (the worker's heartbeats), without publisher confirms
        (`publishing.unconfirmed_connection` says why)."""
        return self.ensure_connected(unconfirmed_connection(self.app, url=url, heartbeat=heartbeat))

    def identity(self) -> dict[str, Any]:
        return {
            "connection_name": f"celery worker {self.hostname}",
            WORKER_PROPERTY: self.hostname,
            HOST_PROPERTY: socket.gethostname(),
            PID_PROPERTY: os.getpid(),
        }


def is_consumer_timeout(error: BaseException) -> bool:
    """Whether RabbitMQ closed the channel for a delivery unacked past its consumer_timeout (406 PRECONDITION_FAILED,
    'delivery acknowledgement on channel N timed out')."""
    return isinstance(error, PreconditionFailed) and "acknowledgement" in str(error) and "timed out" in str(error)


def _seconds(expiration: str | None) -> Decimal | None:
    """A message's TTL property (milliseconds, a string) as kombu's `expiration` (seconds, times 1000 on
    the wire): a Decimal, so that the milliseconds come back exactly."""
    return Decimal(expiration) / 1000 if expiration else None


WORKER_CONSUMER = f"{__name__}:{TopologyConsumer.__name__}"

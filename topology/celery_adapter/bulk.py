"""Many tasks, each confirmed by the broker, at the broker's speed: `send_many` and `iter_send_many`.

`apply_async` with `confirm_publish` waits a round trip for each task. Here publishes are pipelined: up
to `window` tasks are unconfirmed at once, and RabbitMQ's acks (often `multiple`, one for many tasks)
are read as they come. A task is reported sent only once acked; a nack, a basic.return (every publish
is mandatory, so a message no binding matches comes back instead of vanishing) or a channel or
connection lost before its ack makes it "not accepted", with its id and item index, to resend.

The client is py-amqp, the library Celery itself publishes with (kombu's pyamqp transport), on a
connection made by the app (`connection_for_write`: its URL list, failover, TLS and login settings).
Chosen over pika's SelectConnection because the message must be the one `apply_async` would send, and
here it is: the first task of a batch goes through `task.apply_async` itself (routing, exec options,
signals, the result backend's reply queue), down to kombu's finished `amqp.Message`; only the last
step, writing the frame, is ours. pika would encode the same headers with a different table encoder.
py-amqp's own publish writes one socket call per message and, when confirms are on, waits for each;
frames are written here in batches instead (see frames.py), and confirms are read with
`drain_events` between batches, through the channel's `basic_ack`/`basic_nack`/`basic_return` events.

Every later task of the batch is the first message with its id, argument reprs and body replaced:
what Celery's `as_task_v2` changes between two calls with the same options. Where more could change
from one call to the next, every task goes through `apply_async` (still pipelined), see `_why_exact`:
publish signal receivers (which may add headers), route functions (which may read the arguments),
times relative to the send (countdown, eta, expires), a custom shadow name, pydantic arguments,
compression and task-sent events.

Signals: before_task_publish, after_task_publish and the deprecated task_sent fire once per task,
exactly as with `apply_async` (receivers make every task take the `apply_async` path);
after_task_publish fires when the message is queued for writing, before it is confirmed.
Results are not added to a calling task's trail (`add_to_parent=False`): a trail of a million results
would defeat the bounded memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import kombu
from amqp import Message  # type: ignore[import-untyped]  # py-amqp has no type hints
from celery import signals
from celery.app.routes import MapRoute
from celery.app.task import Task
from celery.local import maybe_evaluate
from celery.utils.saferepr import saferepr
from kombu.exceptions import KombuError
from kombu.serialization import dumps, loads, registry
from kombu.transport import pyamqp
from kombu.utils.uuid import uuid

from topology.celery_adapter.confirms import Confirms, NotAccepted
from topology.celery_adapter.frames import PublishEncoder
from topology.celery_adapter.timestamps import STAMP_UID

DEFAULT_WINDOW = 2000
"""Unconfirmed publishes at most. RabbitMQ confirms persistent messages once they are written to disk,
in groups; a window a few groups wide keeps the pipe full, and bounds what is held for them."""
FLUSH_BYTES = 128 * 1024
"""Frames are written to the socket in pieces of about this size: one system call for many tasks."""
DEFAULT_CONFIRM_TIMEOUT = 60.0
"""Seconds without any answer from the broker after which the unconfirmed tasks are given up."""
PUBLISH_SIGNALS = (signals.before_task_publish, signals.after_task_publish, signals.task_sent)
NOT_ALLOWED = ("task_id", "producer", "connection", "publisher", "add_to_parent")


class BulkSendError(Exception):
    """Tasks the broker did not accept (`not_accepted`: resend them), and how far the batch got.

    Items `sent` and later were never published (the connection or channel was lost first); every
    item before it was either confirmed or is listed in `not_accepted`.
    """

    def __init__(self, not_accepted: Sequence[NotAccepted], sent: int, lost: str | None = None) -> None:
        self.not_accepted = tuple(not_accepted)
        self.sent = sent
        self.lost = lost
        shown = "; ".join(f"{n.task_id} (item {n.index}): {n.reason}" for n in self.not_accepted[:10])
        more = f"; and {len(self.not_accepted) - 10} more" if len(self.not_accepted) > 10 else ""
        stop = f"; stopped after {sent} items: {lost}" if lost else ""
        super().__init__(f"{len(self.not_accepted)} of {sent} tasks not accepted: {shown}{more}{stop}")


def send_many(
    task: Task,
    argsets: Iterable[Sequence[Any]] | None = None,
    *,
    kwargsets: Iterable[Mapping[str, Any]] | None = None,
    window: int = DEFAULT_WINDOW,
    confirm_timeout: float = DEFAULT_CONFIRM_TIMEOUT,
    on_confirmed: Callable[[str], None] | None = None,
    **options: Any,
) -> list[str]:
    """Send `task` once per item, each as `task.apply_async(args, kwargs, **options)` would, and return
    the task ids (for `app.AsyncResult`) in item order once every task is confirmed by the broker.

    Items are `argsets` (argument tuples), `kwargsets` (keyword mappings), or both, paired in order.
    Raises BulkSendError naming the tasks not accepted; kombu's OperationalError when no broker of the
    app's URL list answers. For more tasks than ids fit in memory, use `iter_send_many`.
    """
    ids = []
    for task_id in iter_send_many(
        task, argsets, kwargsets=kwargsets, window=window, confirm_timeout=confirm_timeout, **options
    ):
        ids.append(task_id)
        if on_confirmed is not None:
            on_confirmed(task_id)
    return ids


def iter_send_many(
    task: Task,
    argsets: Iterable[Sequence[Any]] | None = None,
    *,
    kwargsets: Iterable[Mapping[str, Any]] | None = None,
    window: int = DEFAULT_WINDOW,
    confirm_timeout: float = DEFAULT_CONFIRM_TIMEOUT,
    **options: Any,
) -> Iterator[str]:
    """`send_many`, streamed: items are read as they are sent, and each id is yielded once confirmed
    (in item order), so memory stays bounded by `window` whatever the number of tasks.

    After the last id, raises BulkSendError if any task was not accepted. An exception raised by the
    items themselves (or by Celery's argument checks) stops the batch: the tasks already sent are
    confirmed and yielded first, then it propagates.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    if refused := sorted(set(options) & set(NOT_ALLOWED)):
        raise TypeError(f"send_many sets {', '.join(refused)} itself (each task gets its own id)")
    items = _items(argsets, kwargsets)
    task = maybe_evaluate(task)  # the task itself, not the proxy `@app.task` returns before finalize
    app = task._get_app()
    if app.conf.task_always_eager:
        raise ValueError("send_many publishes to the broker; task_always_eager runs tasks in the caller instead")
    with app.connection_for_write() as connection:
        # Each node of the URL list once, in order, without the pause kombu makes after a full round.
        connection.ensure_connection(max_retries=max(len(connection.alt), 1) - 1)
        if not isinstance(connection.connection, pyamqp.Connection):
            raise TypeError(f"send_many needs an AMQP broker (py-amqp); {connection.transport_cls} is not")
        yield from _Batch(task, connection, window, confirm_timeout, options).run(items)


def _items(
    argsets: Iterable[Sequence[Any]] | None, kwargsets: Iterable[Mapping[str, Any]] | None
) -> Iterator[tuple[Sequence[Any], Mapping[str, Any]]]:
    if argsets is None and kwargsets is None:
        raise TypeError("send_many needs argsets, kwargsets, or both")
    if kwargsets is None:
        return zip(argsets or (), repeat({}))
    if argsets is None:
        return zip(repeat(()), kwargsets)
    return zip(argsets, kwargsets, strict=True)


def _others_listen(signal: Any) -> bool:
    """Receivers other than the project's own timestamp stamp, which `_Template.message` does itself."""
    return any(key[0] != STAMP_UID for key, _ in signal.receivers)


def _why_exact(task: Task, options: Mapping[str, Any]) -> str | None:
    """Why each task must be built by `apply_async` itself, or None when only ids and arguments differ."""
    app = task._get_app()
    merged = {**task._get_exec_options(), **options}  # as apply_async merges them
    if listening := [s.name for s in PUBLISH_SIGNALS if _others_listen(s)]:
        return f"receivers of {', '.join(listening)}"
    if not all(isinstance(route, MapRoute) for route in app.amqp.routes):
        return "a route function in task_routes"
    if timed := [k for k in ("countdown", "eta", "expires") if merged.get(k) is not None]:
        return f"{', '.join(timed)} (relative to each send)"
    if type(task).shadow_name is not Task.shadow_name or merged.get("shadow"):
        return "a shadow name"
    if task._dump_pydantic_arguments is not None:
        return "pydantic arguments"
    if merged.get("compression") or app.conf.task_compression:
        return "compression"
    if app.conf.task_send_sent_event:
        return "task_send_sent_event"
    return None


@dataclass(frozen=True)
class _Template:
    """The first task's message as kombu finished it, and what differs from it in the next ones."""

    exchange: str
    routing_key: str
    properties: dict[str, Any]
    headers: dict[str, Any]
    serializer: str
    embed: Any
    root_is_id: bool
    correlation_is_id: bool
    argsrepr_maxsize: int
    kwargsrepr_maxsize: int
    maxlevels: int

    @classmethod
    def of(cls, task: Task, task_id: str, message: Message, exchange: str, routing_key: str) -> _Template:
        properties = dict(message.properties)
        headers = dict(properties["application_headers"])
        content_type, encoding = properties["content_type"], properties["content_encoding"]
        _, _, embed = loads(message.body, content_type, encoding, accept={content_type})
        amqp = task._get_app().amqp
        return cls(
            exchange,
            routing_key,
            properties,
            headers,
            registry.type_to_name[content_type],
            embed,
            headers.get("root_id") == task_id,
            properties.get("correlation_id") == task_id,
            amqp.argsrepr_maxsize,
            amqp.kwargsrepr_maxsize,
            task._get_app().conf.task_repr_maxlevels,
        )

    def message(self, task_id: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], bytes]:
        """Properties and body of the task `task_id`, as `as_task_v2` and kombu would make them."""
        headers = {
            **self.headers,
            "id": task_id,
            "argsrepr": saferepr(args, self.argsrepr_maxsize, maxlevels=self.maxlevels),
            "kwargsrepr": saferepr(kwargs, self.kwargsrepr_maxsize, maxlevels=self.maxlevels),
        }
        if self.root_is_id:
            headers["root_id"] = task_id
        properties = {**self.properties, "application_headers": headers}
        if "timestamp" in properties:  # stamped on the first message: each one is stamped when it is built
            properties["timestamp"] = int(time.time())
        if self.correlation_is_id:
            properties["correlation_id"] = task_id
        _, encoding, body = dumps((args, kwargs, self.embed), serializer=self.serializer)
        return properties, body.encode(encoding) if isinstance(body, str) else body


class _BulkChannel(pyamqp.Channel):  # type: ignore[misc]  # kombu is untyped
    """A confirm-mode channel on which kombu's `basic_publish` hands the finished message to the batch."""

    def __init__(self, connection: pyamqp.Connection, publish: Callable[[Message, str, str], None]) -> None:
        super().__init__(connection)
        # py-amqp may have set basic_publish to its wait-for-each-confirm variant (confirm_publish)
        self.basic_publish = lambda message, exchange="", routing_key="", *_, **__: publish(
            message, exchange, routing_key
        )


class _Batch:
    def __init__(
        self, task: Task, connection: kombu.Connection, window: int, timeout: float, options: dict[str, Any]
    ) -> None:
        self.task, self.window, self.timeout = task, window, timeout
        self.options = {**options, "add_to_parent": False}
        self.connection = connection.connection  # py-amqp's
        # a socket timeout is an OSError; kombu's errors are what apply_async turns py-amqp's into
        self.errors = (*connection.connection_errors, *connection.channel_errors, OSError, KombuError)
        self.confirms = Confirms()
        self.channel = _BulkChannel(self.connection, self._publish)
        self.channel.open()
        self.channel.confirm_select()
        self.channel.events["basic_ack"].add(self.confirms.acked)
        self.channel.events["basic_nack"].add(self.confirms.nacked)
        self.channel.events["basic_return"].add(self._returned)
        self.producer = kombu.Producer(self.channel, auto_declare=False)
        self.encoder = PublishEncoder(self.channel.channel_id, self.connection.frame_max)
        self.pending: list[bytes] = []
        self.pending_bytes = 0
        self.sent = 0
        self.current = ("", 0)
        self.template: _Template | None = None
        self.captured: tuple[Message, str, str] | None = None

    def run(self, items: Iterator[tuple[Sequence[Any], Mapping[str, Any]]]) -> Iterator[str]:
        exact = _why_exact(self.task, self.options)
        try:
            for index, (args, kwargs) in enumerate(items):
                task_id = uuid()
                self.current = (task_id, index)
                if self.template is None:
                    self.task.apply_async(args, kwargs, task_id=task_id, producer=self.producer, **self.options)
                    if exact is None and self.captured is not None:
                        self.template = _Template.of(self.task, task_id, *self.captured)
                else:
                    self._check(args, kwargs)
                    properties, body = self.template.message(task_id, args or (), kwargs or {})
                    self._write(self.template.exchange, self.template.routing_key, properties, body)
                self.sent = index + 1
                full = self.confirms.unconfirmed >= self.window
                if full or self.pending_bytes >= FLUSH_BYTES:
                    self._flush()
                    self._drain(until=self.window - 1 if full else None)
                yield from self.confirms.confirmed()
        except self.errors as error:
            yield from self._lost(error)
        except GeneratorExit:  # the caller stopped reading: nothing more to report to it
            raise
        except Exception:  # from the items or Celery's checks of them: what was sent is still reported
            yield from self._finish()
            raise
        yield from self._finish()
        if self.confirms.not_accepted:
            raise BulkSendError(self.confirms.not_accepted, self.sent)

    def _check(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
        """What `apply_async` and `as_task_v2` check for each call."""
        if self.task.typing:
            self.task.__header__(*(args or ()), **(kwargs or {}))
        if not isinstance(args or (), list | tuple):
            raise TypeError("task args must be a list or tuple")
        if not isinstance(kwargs or {}, Mapping):
            raise TypeError("task keyword arguments must be a mapping")

    def _publish(self, message: Message, exchange: str, routing_key: str) -> None:
        """kombu's publish of a task built by `apply_async`."""
        self.captured = (message, exchange, routing_key)
        body = message.body
        if isinstance(body, str):  # as py-amqp's frame writer does
            body = body.encode(message.properties.setdefault("content_encoding", "utf-8"))
        self._write(exchange, routing_key, message.properties, body)

    def _write(self, exchange: str, routing_key: str, properties: Mapping[str, Any], body: bytes) -> None:
        frames = self.encoder.encode(exchange, routing_key, properties, body, mandatory=True)
        self.pending.append(frames)
        self.pending_bytes += len(frames)
        task_id, index = self.current
        self.confirms.published(index, task_id)

    def _returned(self, error: Exception, exchange: str, routing_key: str, message: Message) -> None:
        headers = message.properties.get("application_headers") or {}
        task_id = headers.get("id") or message.properties.get("correlation_id")
        reason = f"returned unroutable ({error}) by exchange {exchange!r} with routing key {routing_key!r}"
        self.confirms.returned(task_id, reason)

    def _flush(self) -> None:
        if self.pending:
            self.connection.transport.write(b"".join(self.pending))
            self.pending.clear()
            self.pending_bytes = 0

    def _drain(self, until: int | None) -> None:
        """Read the broker's answers: those already here (`until` None), or until at most `until` tasks
        are unconfirmed, giving up after `timeout` seconds without an answer."""
        while until is None or self.confirms.unconfirmed > until:
            try:
                self.connection.drain_events(timeout=self.timeout if until is not None else 0)
            except TimeoutError:
                if until is None:
                    return
                raise TimeoutError(f"no answer from the broker in {self.timeout:g} s") from None

    def _finish(self) -> Iterator[str]:
        """Everything written, and every answer read."""
        try:
            self._flush()
            self._drain(until=0)
        except self.errors as error:
            yield from self._lost(error)
        yield from self.confirms.confirmed()

    def _lost(self, error: BaseException) -> Iterator[str]:
        reason = f"not confirmed: {type(error).__name__}: {error}"
        self.confirms.lost(reason)
        yield from self.confirms.confirmed()
        raise BulkSendError(self.confirms.not_accepted, self.sent, reason) from error

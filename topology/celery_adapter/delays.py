"""Countdown, eta and retry(countdown=...) tasks wait in RabbitMQ's delay ladder, not in a worker.

A task Celery sends with an `eta` (its header, which countdown and retry set too) due at least DIRECT_BELOW
seconds ahead is published to the ladder (`model.Delays`, declared by `apply`) instead of its exchange:
with a header per level its delay, rounded up to whole seconds, waits in, and a header naming where it goes
once due (its exchange, or its queue when Celery sends it by name through the default exchange). Its routing
key is its own, untouched, so the exchange it lands in routes it as it would have then. The worker receives
an ordinary task whose eta has passed, and runs it at once: no prefetch slot, no worker memory, no ack held
up to RabbitMQ's consumer_timeout meanwhile.

Kept as Celery means them: `expires` stays in the headers, where the worker enforces it (its per-message TTL,
the `expiration` property Celery adds, is left out: in a ladder queue it would expire the task into the next
level early); the AMQP `timestamp` is the time the task is due, so that `inspect --max-age` measures a
queue's backlog from when its tasks could have run.

A task that reaches a worker still due later than that (a delay longer than the ladder's, or a task some
other client published with an eta) goes round the ladder again (`TopologyConsumer`), confirmed before the
delivery is acked.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping
from datetime import datetime, timezone
from typing import Any

from topology.model import DELAY_BIT_HEADER, DELAY_EXCHANGE_HEADER, DELAY_QUEUE_HEADER, Delays

DELAYS_SETTING = "topology_delays"
"""The Celery setting (one of this project's own) that holds the file's delay ladder, or None."""
DIRECT_BELOW = 0.5
"""A task due sooner than this (seconds) is sent to its queue, and the worker holds it that long at most."""


def due_in(headers: Mapping[str, Any], now: datetime | None = None) -> float | None:
    """Seconds until the task of these (protocol 2) headers is due; None without an eta."""
    eta = headers.get("eta")
    if not eta:
        return None
    due = eta if isinstance(eta, datetime) else datetime.fromisoformat(str(eta))
    if due.tzinfo is None:  # Celery sends an aware eta; a naive one is taken as UTC, as Celery's worker does
        due = due.replace(tzinfo=timezone.utc)
    return (due - (now or datetime.now(timezone.utc))).total_seconds()


def delay_of(delays: Delays, headers: Mapping[str, Any]) -> int | None:
    """The whole seconds the task waits in the ladder (its delay rounded up, at most the ladder's longest);
    None when it is due too soon for the ladder, or has no eta."""
    seconds = due_in(headers)
    if seconds is None or seconds < DIRECT_BELOW:
        return None
    return min(math.ceil(seconds), delays.longest)


def into_ladder(
    delays: Delays,
    delay: int,
    headers: MutableMapping[str, Any],
    properties: MutableMapping[str, Any],
    exchange: str,
    routing_key: str,
) -> str:
    """Mark `headers` for a wait of `delay` seconds and a delivery through `exchange` (or by name through the
    default exchange); returns the ladder exchange to publish to, with the task's own routing key."""
    for key in [k for k in headers if isinstance(k, str) and k.startswith(DELAY_BIT_HEADER)]:
        del headers[key]
    bits = delays.bits(delay)
    headers.update({f"{DELAY_BIT_HEADER}{k}": "1" for k in bits})
    headers[DELAY_EXCHANGE_HEADER if exchange else DELAY_QUEUE_HEADER] = exchange or routing_key
    properties.pop("expiration", None)
    due = due_in(headers)
    properties["timestamp"] = int(datetime.now(timezone.utc).timestamp() + (due or 0))
    return delays.level(bits[0])


def celery_destination(amqp: Any, options: Mapping[str, Any]) -> tuple[str, str]:
    """The exchange and routing key Celery's task sender publishes to with these (routed) options: its own
    steps (`celery.app.amqp.AMQP._create_task_sender`), the anonymous exchange for a queue on a direct
    exchange without both named."""
    queue: Any = options.get("queue")
    exchange, routing_key = options.get("exchange"), options.get("routing_key")
    if queue is None and exchange is None:
        queue = amqp.default_queue
    if isinstance(queue, str):
        queue = amqp.queues[queue]
    exchange_type = options.get("exchange_type")
    if exchange_type is None:
        exchange_type = getattr(getattr(queue, "exchange", None), "type", None) or "direct"
    name = str(getattr(exchange, "name", exchange) or "")
    if (not name or not routing_key) and exchange_type == "direct":
        return "", str(queue.name)
    if exchange is None:
        name = queue.exchange.name or amqp.app.conf.task_default_exchange
        routing_key = routing_key or queue.routing_key or amqp.app.conf.task_default_routing_key
    return name, str(routing_key or "")


def delayed_options(
    amqp: Any, delays: Delays, headers: MutableMapping[str, Any], properties: MutableMapping[str, Any], options: Any
) -> dict[str, Any] | None:
    """The options that send a task into the ladder (headers and properties marked in place); None when it is
    not delayed."""
    delay = delay_of(delays, headers)
    if delay is None:
        return None
    exchange, routing_key = celery_destination(amqp, options)
    options = {k: v for k, v in options.items() if k != "expiration"}
    level = into_ladder(delays, delay, headers, properties, exchange, routing_key)
    return {**options, "exchange": level, "routing_key": routing_key, "exchange_type": "headers"}

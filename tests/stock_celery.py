"""A stock Celery app routed as the file says: what the tests compare the configured app's routing with.

It has the file's kombu queues (`task_queues`), its routes (naming only a queue, or an exchange, its type and
a key: as a stock app's settings would), its default queue, exchange and key, no queue created on the
fly, and its beat schedule; and Celery's own AMQP class, router and task sender, publishing through
RabbitMQ's default exchange wherever Celery does.
"""

from __future__ import annotations

import re
from typing import Any

from celery import Celery
from kombu import Exchange, Queue

from topology.celery_adapter.config import celery_settings
from topology.model import PatternKind, Topology

ROUTING_SETTINGS = (
    "task_queues",
    "task_default_queue",
    "task_default_exchange",
    "task_default_routing_key",
    "task_create_missing_queues",
    "beat_schedule",
)


def stock_app(topology: Topology, broker_url: str, name: str = "stock") -> Celery:
    settings = celery_settings(topology, broker_url)
    app = Celery(name, set_as_current=False, broker=broker_url)
    app.conf.update({key: settings[key] for key in ROUTING_SETTINGS}, task_routes=stock_routes(topology))
    return app


def stock_routes(topology: Topology) -> dict[str | re.Pattern[str], dict[str, Any]]:
    """The file's routes as a stock app's settings write them, in file order: a queue's name, or an exchange
    with its type and a key. Written here, not taken from `celery_adapter.config`, so that the reference the
    configured app is compared with does not share its code."""
    routes: dict[str | re.Pattern[str], dict[str, Any]] = {}
    for route in topology.routes:
        key = re.compile(route.pattern[1:-1]) if route.kind is PatternKind.REGEX else route.pattern
        if route.exchange is None:
            routes[key] = {"queue": route.queue}
        else:
            exchange = topology.exchange(route.exchange)
            kind = exchange.type.value if exchange is not None else "direct"
            routes[key] = {"exchange": route.exchange, "exchange_type": kind, "routing_key": route.routing_key}
    return routes


def legacy_app(broker_url: str) -> Celery:
    """A stock app as older Celery releases make one: its control and event queues transient and not exclusive,
    a transient task queue, a quorum queue without a dead-letter exchange; results over rpc://."""
    app = Celery("legacy", set_as_current=False, broker=broker_url, backend="rpc://")
    app.conf.update(
        control_queue_exclusive=False,
        event_queue_exclusive=False,
        task_default_queue="jobs",
        task_queues=[
            Queue("jobs", Exchange("jobs"), "jobs", durable=False),
            Queue("orders", Exchange("orders"), "orders", queue_arguments={"x-queue-type": "quorum"}),
        ],
    )
    return app

"""Every task sent by an app configured from routing.yaml carries the AMQP `timestamp` property.

RabbitMQ reports a queue's oldest message age (`head_message_timestamp`) only from that property, and
Celery sets none: without it, `inspect --max-age` could not see a backlog's age. Whole seconds, as AMQP
timestamps are.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from celery import signals


def stamp(properties: dict[str, Any] | None = None, **_: Any) -> None:
    """Celery's before_task_publish handler: the properties dict it gets is the one published."""
    if properties is not None:
        properties.setdefault("timestamp", datetime.now(timezone.utc).replace(microsecond=0))


def stamp_published_tasks() -> None:
    signals.before_task_publish.connect(stamp, weak=False, dispatch_uid=__name__)

"""Every task sent by an app configured from routing.yaml carries the AMQP `timestamp` property.

RabbitMQ reports a queue's oldest message age (`head_message_timestamp`) only from that property, and
Celery sets none: without it, `inspect --max-age` could not see a backlog's age. Whole seconds since the
epoch, as AMQP timestamps are (py-amqp sends the property as the integer it is given).
"""

from __future__ import annotations

import time
from typing import Any

from celery import signals


def stamp(properties: dict[str, Any] | None = None, **_: Any) -> None:
    """Celery's before_task_publish handler: the properties dict it gets is the one published."""
    if properties is not None:
        properties.setdefault("timestamp", int(time.time()))


STAMP_UID = __name__
"""The receiver's dispatch_uid: `send_many` knows it, and stamps each message itself instead."""


def stamp_published_tasks() -> None:
    signals.before_task_publish.connect(stamp, weak=False, dispatch_uid=STAMP_UID)

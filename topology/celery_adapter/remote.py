"""Celery's remote control: which queues each worker that answers says it consumes.

A broadcast on Celery's `celery.pidbox` exchange, answered on an auto-delete reply queue (Celery's own
objects, which plan and inspect leave aside). It waits the whole timeout for replies, so it is asked only
when some consumer does not name its worker itself.
"""

from __future__ import annotations

from celery import Celery

from topology.broker.settings import Settings
from topology.planning.consumers import WorkerReply

REPLY_TIMEOUT_SECONDS = 1.0


def worker_replies(settings: Settings, timeout: float = REPLY_TIMEOUT_SECONDS) -> list[WorkerReply]:
    """Every worker that answers within `timeout`, with the queues it consumes; none when none does."""
    app = Celery("topology-inspect", broker=settings.broker.url(secret=True), set_as_current=False)
    try:
        answered = app.control.inspect(timeout=timeout).active_queues() or {}
    except OSError:  # the broker went away between the read and the broadcast
        return []
    finally:
        app.close()
    return sorted(
        (WorkerReply(name, tuple(str(q["name"]) for q in queues or ())) for name, queues in answered.items()),
        key=lambda reply: reply.name,
    )

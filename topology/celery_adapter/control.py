"""Celery's remote control, made to survive a cluster node's loss: unconfirmed, and a node queue per connection.

Remote control (`celery inspect`, a worker's replies, mingle's hello when a worker starts) is best effort by
Celery's design. On RabbitMQ 4.x the queues of a cluster node that is down stay listed until it is back:

- a broadcast that reaches a dead worker's pidbox queue is nacked, and with publisher confirms (which every
  other publish of a configured app has) kombu retries that nack at once and without end. So the mailbox
  publishes through producers of its own, on connections that do not confirm;
- a worker's pidbox queue is exclusive and named after the worker: reconnected to another node, the worker
  declared the same name again and RabbitMQ refused it (405 RESOURCE_LOCKED, the queue still held by the
  dead node), which stops the worker. So each declaration names the queue afresh,
  `<node>.<token>.celery.pidbox`: broadcasts reach it through the fanout exchange whatever its name, and a
  worker is picked by the `destination` in the message, not by the queue.
"""

from __future__ import annotations

import uuid
from typing import Any

from celery.app.control import Control
from kombu import Queue, pools
from kombu.pidbox import Mailbox
from kombu.utils.functional import lazy

from topology.celery_adapter.publishing import unconfirmed_connection

CONTROL = f"{__name__}:FailoverSafeControl"


class FailoverSafeMailbox(Mailbox):  # type: ignore[misc]  # kombu is untyped
    def get_queue(self, hostname: str) -> Queue:
        """The worker's node queue, named afresh each time the worker (re)connects and listens."""
        queue: Queue = super().get_queue(hostname)
        queue.name = f"{hostname}.{uuid.uuid4().hex[:12]}.{self.namespace}.pidbox"
        return queue


class FailoverSafeControl(Control):  # type: ignore[misc]  # Celery's class is untyped
    """Celery's remote control on a FailoverSafeMailbox whose broadcasts and replies go through unconfirmed
    producers of its own."""

    Mailbox = FailoverSafeMailbox

    def __init__(self, app: Any = None) -> None:
        super().__init__(app)
        # made on first use, and again after a fork (Control._after_fork)
        self.mailbox._producer_pool = lazy(lambda: _unconfirmed_producers(self.app))


def _unconfirmed_producers(app: Any) -> Any:
    """A pool of producers like the app's own (`AMQP.producer_pool`), on connections that do not confirm."""
    pool = pools.producers[unconfirmed_connection(app)]
    pool.limit = app.pool.limit
    return pool


def use_failover_safe_control(app: Any) -> None:
    """Make `app`'s remote control a FailoverSafeControl (before its Control object is made)."""
    if "control" not in app.__dict__:
        app.control_cls = CONTROL

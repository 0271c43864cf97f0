"""The worker's consumer, minus Celery's native delayed delivery (5.5+).

With a quorum queue in `task_queues`, Celery's DelayedDelivery bootstep declares 56 `celery_delayed_*`
exchanges and queues at worker start, and binds every consumed queue's exchange to the queue with
key `#.<routing key>`. That is topology made behind `apply`'s back, and on a headers exchange such a
binding (no header arguments) matches every message: a silent routing change. routing.yaml stays the
one source of the topology, so the step is left out; ETA/countdown tasks are held by the worker, as
they are on classic queues.
"""

from __future__ import annotations

from typing import ClassVar

from celery.worker.consumer import Consumer

DELAYED_DELIVERY_STEP = "celery.worker.consumer.delayed_delivery:DelayedDelivery"


class TopologyConsumer(Consumer):  # type: ignore[misc]  # Celery is untyped here
    class Blueprint(Consumer.Blueprint):  # type: ignore[misc]
        default_steps: ClassVar[list[str]] = [
            step for step in Consumer.Blueprint.default_steps if step != DELAYED_DELIVERY_STEP
        ]


WORKER_CONSUMER = f"{__name__}:{TopologyConsumer.__name__}"

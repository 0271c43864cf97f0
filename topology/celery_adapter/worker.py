"""The worker's consumer, minus Celery's native delayed delivery (5.5+), and naming its worker to the broker.

With a quorum queue in `task_queues`, Celery's DelayedDelivery bootstep declares 56 `celery_delayed_*`
exchanges and queues at worker start, and binds every consumed queue's exchange to the queue with
key `#.<routing key>`. That is topology made behind `apply`'s back, and on a headers exchange such a
binding (no header arguments) matches every message: a silent routing change. routing.yaml stays the
one source of the topology, so the step is left out; ETA/countdown tasks are held by the worker, as
they are on classic queues.
"""

from __future__ import annotations

import os
import socket
from typing import Any, ClassVar

from celery.worker.consumer import Consumer

from topology.planning.consumers import HOST_PROPERTY, PID_PROPERTY, WORKER_PROPERTY

DELAYED_DELIVERY_STEP = "celery.worker.consumer.delayed_delivery:DelayedDelivery"


class TopologyConsumer(Consumer):  # type: ignore[misc]  # Celery is untyped here
    class Blueprint(Consumer.Blueprint):  # type: ignore[misc]
        default_steps: ClassVar[list[str]] = [
            step for step in Consumer.Blueprint.default_steps if step != DELAYED_DELIVERY_STEP
        ]

    def connection_for_read(self, heartbeat: float | None = None) -> Any:
        """The consuming connection, saying which worker it is: the management API lists consumers by
        connection, and kombu's consumer tags (`None4`) name no worker. py-amqp sends the transport
        options' `client_properties` on connecting; `connection_name` is what the management UI shows."""
        connection = self.app.connection_for_read(heartbeat=heartbeat)
        connection.transport_options = {**connection.transport_options, "client_properties": self.identity()}
        return self.ensure_connected(connection)

    def identity(self) -> dict[str, Any]:
        return {
            "connection_name": f"celery worker {self.hostname}",
            WORKER_PROPERTY: self.hostname,
            HOST_PROPERTY: socket.gethostname(),
            PID_PROPERTY: os.getpid(),
        }


WORKER_CONSUMER = f"{__name__}:{TopologyConsumer.__name__}"

"""Where routing.yaml opts out of the unroutable net: tasks published `mandatory`, a returned one raised.

Without an alternate exchange RabbitMQ drops a message no binding matches, unless it is published
mandatory: then it returns it (basic.return) ahead of the publisher confirm. Celery has no hook for returns,
so the app's AMQP class (`amqp_cls`) is swapped for one whose task sender publishes mandatory and, once the
publish is confirmed (every publish is: publishing.py), raises `UnroutableTask` at the caller if the broker
returned the task meanwhile.
The return is only recorded while py-amqp waits for the confirm, never raised from inside that wait: an
exception there would leave the confirm unread, and the next publish would take it for its own.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from celery import Celery

from topology.celery_adapter.publishing import ConfirmedAMQP
from topology.model import Topology

AMQP_CLASS = f"{__name__}:MandatoryAMQP"


class UnroutableTask(Exception):
    """RabbitMQ returned a task: no binding of its exchange matched, and there is no net to keep it."""

    def __init__(self, task: str, task_id: str | None, exchange: str, routing_key: str) -> None:
        self.task, self.task_id, self.exchange, self.routing_key = task, task_id, exchange, routing_key
        super().__init__(
            f"task {task!r} (id {task_id}) was published to exchange {exchange!r} with routing key "
            f"{routing_key!r}, which no binding matches: RabbitMQ returned it, and routing.yaml keeps no "
            "unroutable tasks (unroutable: false); `python -m topology inspect` shows what the broker lacks"
        )


def use_mandatory(app: Celery, topology: Topology) -> None:
    """Make `app` publish mandatory when `topology` has no unroutable net (before its AMQP object is made)."""
    if topology.nets.unroutable is None and "amqp" not in app.__dict__:
        app.amqp_cls = AMQP_CLASS


Returned = list[tuple[str, str]]  # (exchange, routing key) of each task returned during one publish
_returned: weakref.WeakKeyDictionary[Any, Returned] = weakref.WeakKeyDictionary()


class MandatoryAMQP(ConfirmedAMQP):
    def _create_task_sender(self) -> Callable[..., Any]:
        send = super()._create_task_sender()

        def send_task_message(producer: Any, name: str, message: Any, **options: Any) -> Any:
            returned = _returns_of(producer.channel)
            returned.clear()
            result = send(producer, name, message, **{**options, "mandatory": True})
            if returned:
                exchange, routing_key = returned[0]
                raise UnroutableTask(name, message[0].get("id"), exchange, routing_key)
            return result

        return send_task_message


def _returns_of(channel: Any) -> Returned:
    """The returns recorded on `channel`: a recorder is registered on it once."""
    returned = _returned.get(channel)
    if returned is None:
        returned = _returned[channel] = []

        def record(error: Exception, exchange: str, routing_key: str, message: Any) -> None:
            returned.append((exchange, routing_key))

        channel.events["basic_return"].add(record)
    return returned

"""Every task published `mandatory`: one that no queue took is raised at the caller, never dropped.

RabbitMQ confirms a publish that reached no queue, so a confirm alone does not say the task is anywhere.
Published mandatory, such a task comes back (basic.return) ahead of its confirm. That happens in two cases:
no binding of its exchange matched and routing.yaml keeps no unroutable tasks (`unroutable: false`; with
the net, the alternate exchange takes it and nothing is returned), or a binding matched but every queue it
reaches is unavailable: a classic queue whose cluster node is down, say, which would otherwise swallow the
task after confirming it. Celery has no hook for returns, so the app's AMQP class (`amqp_cls`) is swapped
for one whose task sender publishes mandatory and, once the publish is confirmed (every publish is:
publishing.py), raises `UnroutableTask` at the caller if the broker returned the task meanwhile.
The return is only recorded while py-amqp waits for the confirm, never raised from inside that wait: an
exception there would leave the confirm unread, and the next publish would take it for its own.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from celery import Celery

from topology.celery_adapter.precedence import PrecedenceAMQP
from topology.model import Topology

AMQP_CLASS = f"{__name__}:MandatoryAMQP"
NETTED_SETTING = "topology_unroutable_net"  # whether a return means "no queue available", not "no binding"


class UnroutableTask(Exception):
    """RabbitMQ returned a task: no queue took it (see the module's docstring for the two ways)."""

    def __init__(self, task: str, task_id: str | None, exchange: str, routing_key: str, *, netted: bool) -> None:
        self.task, self.task_id, self.exchange, self.routing_key = task, task_id, exchange, routing_key
        why = (
            "a binding matched, but no queue it reaches could take it (a classic queue whose cluster node is "
            "down, for one); `python -m topology inspect` names the queue and its node"
            if netted
            else "which no binding matches: RabbitMQ returned it, and routing.yaml keeps no unroutable tasks "
            "(unroutable: false); `python -m topology inspect` shows what the broker lacks"
        )
        super().__init__(
            f"task {task!r} (id {task_id}) was published to exchange {exchange!r} with routing key "
            f"{routing_key!r}, {why}"
        )


def use_mandatory(app: Celery, topology: Topology) -> None:
    """Make `app` publish every task mandatory (before its AMQP object is made)."""
    if "amqp" not in app.__dict__:
        app.amqp_cls = AMQP_CLASS
        app.conf[NETTED_SETTING] = topology.nets.unroutable is not None


Returned = list[tuple[str, str]]  # (exchange, routing key) of each task returned during one publish
_returned: weakref.WeakKeyDictionary[Any, Returned] = weakref.WeakKeyDictionary()


class MandatoryAMQP(PrecedenceAMQP):
    def _create_task_sender(self) -> Callable[..., Any]:
        send = super()._create_task_sender()

        def send_task_message(producer: Any, name: str, message: Any, **options: Any) -> Any:
            return send(producer, name, message, **{**options, "mandatory": True})

        return send_task_message

    def _watch(self, producer: Any) -> Callable[[str, str | None], None]:
        channel = producer.channel
        if channel is None:  # a producer that only records what would be sent (import-celery's)
            return super()._watch(producer)
        returned = _returns_of(channel)
        returned.clear()
        netted = bool(self.app.conf.get(NETTED_SETTING))

        def raise_if_returned(name: str, task_id: str | None) -> None:
            if returned:
                exchange, routing_key = returned[0]
                raise UnroutableTask(name, task_id, exchange, routing_key, netted=netted)

        return raise_if_returned


def _returns_of(channel: Any) -> Returned:
    """The returns recorded on `channel`: a recorder is registered on it once."""
    returned = _returned.get(channel)
    if returned is None:
        returned = _returned[channel] = []

        def record(error: Exception, exchange: str, routing_key: str, message: Any) -> None:
            returned.append((exchange, routing_key))

        channel.events["basic_return"].add(record)
    return returned

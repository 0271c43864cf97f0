"""Celery settings from a Topology: kombu Exchange/Queue objects, task_routes, beat_schedule.

Routes to a queue name only the queue, as a stock app's do, so that Celery's precedence holds: a caller's
`queue=` (or the task's own) replaces the whole destination (a route naming an exchange and a key as well
would keep them, and send the task to the route's queue). No catch-all route: `task_default_queue` is
Celery's own for tasks no route matches, and a catch-all would override a task's own queue. Where Celery
would then publish through RabbitMQ's default exchange, bypassing the file's exchanges and bindings, the
app's AMQP class publishes through the queue's binding instead (`celery_adapter/precedence.py`).

Every kombu object is ``no_declare``: ``python -m topology apply`` is the one thing that declares.
Otherwise each worker and each client's first publish re-declares queues and bindings (kombu's
``maybe_declare``), silently repairing drift on some hosts and, after a change of arguments,
closing their channels with PRECONDITION_FAILED.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from typing import Any

import kombu
from celery import Celery
from celery.schedules import crontab, schedule
from kombu.common import Broadcast

from topology.broker.settings import BROKER_ENV, DEFAULT_BROKER_URL
from topology.celery_adapter.control import use_failover_safe_control
from topology.celery_adapter.delays import DELAYS_SETTING
from topology.celery_adapter.mandatory import use_mandatory
from topology.celery_adapter.precedence import use_file_routing
from topology.celery_adapter.publishing import publish_settings, use_bounded_rpc
from topology.celery_adapter.worker import WORKER_CONSUMER, WORKER_QUEUES
from topology.language.cron import cron_fields
from topology.model import (
    Destination,
    ExchangeDeclaration,
    PatternKind,
    Queue,
    QueueType,
    Route,
    ScheduleEntry,
    Topology,
)
from topology.routing import queue_destination

RESULT_BACKEND_ENV = "CELERY_RESULT_BACKEND"
DEFAULT_RESULT_BACKEND = "rpc://"


def kombu_exchanges(topology: Topology) -> dict[str, kombu.Exchange]:
    return {e.name: _kombu_exchange(e.declared()) for e in topology.exchanges}


def _kombu_exchange(declared: ExchangeDeclaration) -> kombu.Exchange:
    return kombu.Exchange(
        declared.name,
        type=declared.type,
        durable=declared.durable,
        auto_delete=declared.auto_delete,
        arguments=dict(declared.arguments) or None,
        delivery_mode="persistent",
        no_declare=True,
    )


def kombu_queues(topology: Topology) -> list[kombu.Queue]:
    exchanges = kombu_exchanges(topology)
    # the nets' queues are read by `dead-letters` and emptied by `replay`, never consumed by a worker
    return [_kombu_queue(q, exchanges) for q in topology.queues if q.name not in topology.nets.names]


def _kombu_queue(queue: Queue, exchanges: dict[str, kombu.Exchange]) -> kombu.Queue:
    """The queue as Celery sees it, without x-queue-type: a quorum queue among `task_queues` makes Celery's
    client (5.5+) send every countdown/ETA task bound for a non-direct exchange through `celery_delayed_*`
    exchanges nobody declares (`Celery.send_task`), and loses it. The kombu object never declares, so the
    type tells Celery nothing else; the worker learns it from the setting `topology_queues` (`worker_queues`)."""
    if queue.broadcast:
        return _kombu_broadcast(queue, exchanges)
    declared = queue.declared()
    options: dict[str, Any] = {
        "durable": declared.durable,
        "auto_delete": declared.auto_delete,
        "queue_arguments": dict(declared.arguments) or None,
        "no_declare": True,
    }
    if len(queue.bindings) == 1:
        only = queue.bindings[0]
        return kombu.Queue(
            queue.name,
            exchanges[only.exchange],
            routing_key=only.routing_key,
            binding_arguments=dict(only.arguments) or None,
            **options,
        )
    bindings = [
        kombu.binding(exchanges[b.exchange], routing_key=b.routing_key, arguments=dict(b.arguments) or None)
        for b in queue.bindings
    ]
    return kombu.Queue(queue.name, bindings=bindings, **options)


def _kombu_broadcast(queue: Queue, exchanges: dict[str, kombu.Exchange]) -> kombu.Queue:
    """kombu's Broadcast, named `queue.name` for `-Q` and routes (its alias): each worker consuming it declares
    a queue of its own, `<name>.<uuid>`, exclusive (gone with the worker's connection, so none is left behind
    to fill) and bound as the file says; the exchanges stay declared by apply alone. A publisher never
    declares it (Celery leaves Broadcast queues out of a publish's declarations)."""
    first, *more = queue.bindings
    bindings = [
        kombu.binding(exchanges[b.exchange], routing_key=b.routing_key, arguments=dict(b.arguments) or None)
        for b in queue.bindings
    ]
    return Broadcast(
        queue.name,
        queue=queue.name,
        unique=True,
        exchange=exchanges[first.exchange],
        routing_key=first.routing_key,
        binding_arguments=dict(first.arguments) or None,
        bindings=bindings if more else None,
        durable=False,
        exclusive=True,
        auto_delete=True,
    )


def worker_queues(topology: Topology) -> dict[str, dict[str, Any]]:
    """What the worker knows of each queue it may consume (`celery_adapter/worker.py`): its type, and the
    max_runs of every queue that redelivers (streams do not)."""
    return {
        q.name: {"type": q.type.value} | ({} if q.type is QueueType.STREAM else {"max_runs": topology.max_runs_of(q)})
        for q in topology.queues
        if q.name not in topology.nets.names
    }


def task_routes(topology: Topology) -> dict[str | re.Pattern[str], dict[str, Any]]:
    """Celery's ``task_routes``, in file order (regexes as compiled patterns, as Celery takes them): a route to
    a queue names the queue alone; one to an exchange names it, its type and the routing key."""
    routes: dict[str | re.Pattern[str], dict[str, Any]] = {}
    for route in topology.routes:
        target: dict[str, Any] = {"queue": route.queue} if route.exchange is None else _via(topology, route)
        if route.priority is not None:
            target["priority"] = route.priority
        key = route.regex if route.kind is PatternKind.REGEX else None
        routes[key or route.pattern] = target
    return routes


def _via(topology: Topology, route: Route) -> dict[str, Any]:
    exchange = topology.exchange(route.exchange or "")
    kind = exchange.type.value if exchange else "direct"
    return {"exchange": route.exchange, "exchange_type": kind, "routing_key": route.routing_key}


def beat_schedule(topology: Topology) -> dict[str, dict[str, Any]]:
    return {
        entry.name: {
            "task": entry.task,
            "schedule": _timing(entry),
            "args": entry.args,
            "kwargs": dict(entry.kwargs),
            "options": {**({"queue": entry.queue} if entry.queue else {}), **dict(entry.options)},
        }
        for entry in topology.schedule
    }


def _timing(entry: ScheduleEntry) -> crontab | timedelta | schedule:
    if entry.cron:
        return crontab(**cron_fields(entry.cron))
    every = timedelta(seconds=entry.every or 0)
    return schedule(every, relative=True) if entry.relative else every


def celery_settings(
    topology: Topology, broker_url: str | None = None, result_backend: str | None = None
) -> dict[str, Any]:
    """Celery's configuration; the broker and result backend default to $CELERY_BROKER_URL / $CELERY_RESULT_BACKEND."""
    default = topology.queue(topology.default_queue)
    destination = queue_destination(default) if default else Destination("", topology.default_queue)
    return {
        "broker_url": broker_url or os.environ.get(BROKER_ENV) or DEFAULT_BROKER_URL,
        "result_backend": result_backend or os.environ.get(RESULT_BACKEND_ENV) or DEFAULT_RESULT_BACKEND,
        "broker_connection_retry_on_startup": True,
        "task_queues": kombu_queues(topology),
        "task_routes": task_routes(topology),
        "task_default_queue": topology.default_queue,
        "task_default_exchange": destination.exchange,
        # '': Celery fills it in as the key of every queue whose binding has none, and publishes a task for a queue
        # on a fanout, topic or headers exchange with that key: the binding's own (empty) key is the one that matches
        "task_default_routing_key": "",
        "task_create_missing_queues": False,
        "task_default_delivery_mode": "persistent",
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_consumer": WORKER_CONSUMER,
        # a channel closed by the broker (RabbitMQ's consumer_timeout: 406) reconnects instead of stopping the worker
        "broker_channel_error_retry": True,
        WORKER_QUEUES: worker_queues(topology),
        DELAYS_SETTING: topology.nets.delays,
        "beat_schedule": beat_schedule(topology),
        **publish_settings(topology),
    }


def configure(
    app: Celery, topology: Topology, broker_url: str | None = None, result_backend: str | None = None
) -> Celery:
    """The app routed, declared, published and consumed as routing.yaml says; every setting this does not
    set stays the app's own (docs/bring-your-own-app.md)."""
    from topology.celery_adapter.timestamps import stamp_published_tasks

    app.conf.update(celery_settings(topology, broker_url, result_backend))
    use_bounded_rpc(app)
    use_mandatory(app, topology)
    use_file_routing(app, topology)
    use_failover_safe_control(app)
    stamp_published_tasks()
    return app

"""routing.yaml as an AsyncAPI 3.0 document: what a Celery app on the vhost publishes and consumes. Pure.

Channels are the file's exchanges (AMQP binding `is: routingKey`) and queues (`is: queue`); each task is a
`send` operation on the exchange its route publishes to, with its routing key (the AMQP operation binding's
`cc`, as the AsyncAPI AMQP binding names the key a message is sent with); each queue tasks are routed to is
a `receive` operation (a worker's). Every message is Celery's protocol 2 task message: its headers and its
body `[args, kwargs, embed]`, one per task with its name fixed in the `task` header.
"""

from __future__ import annotations

import re
from typing import Any

from topology.model import ExchangeType, Topology
from topology.routing import known_task_names, task_route, tasks_by_queue

ASYNCAPI_VERSION = "3.0.0"
AMQP_BINDING = "0.3.0"
AMQP = "0.9.1"
TASK_MESSAGE = "celery_task"  # any task: the queue a task without a route lands in
AMQP_TYPES = {ExchangeType.DIRECT, ExchangeType.TOPIC, ExchangeType.FANOUT, ExchangeType.HEADERS}
"""The exchange types AsyncAPI's AMQP binding knows; the others (plugins') are said as x-exchange-type."""

PROTOCOL_2_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "Celery's task message protocol 2: the task's identity and options travel as AMQP headers.",
    "required": ["lang", "task", "id", "root_id"],
    "properties": {
        "lang": {"type": "string", "const": "py"},
        "task": {"type": "string", "description": "The task's registered name."},
        "id": {"type": "string", "description": "The task id (also the message's correlation_id)."},
        "root_id": {"type": ["string", "null"]},
        "parent_id": {"type": ["string", "null"]},
        "group": {"type": ["string", "null"]},
        "group_index": {"type": ["integer", "null"]},
        "shadow": {"type": ["string", "null"], "description": "A name shown in place of the task's in logs."},
        "eta": {"type": ["string", "null"], "format": "date-time"},
        "expires": {"type": ["string", "null"], "format": "date-time"},
        "retries": {"type": "integer", "minimum": 0},
        "timelimit": {"type": "array", "items": {"type": ["number", "null"]}, "minItems": 2, "maxItems": 2},
        "argsrepr": {"type": "string"},
        "kwargsrepr": {"type": "string"},
        "origin": {"type": "string", "description": "The sender: pid@hostname."},
        "ignore_result": {"type": "boolean"},
        "replaced_task_nesting": {"type": "integer", "minimum": 0},
        "stamped_headers": {"type": ["array", "null"], "items": {"type": "string"}},
        "stamps": {"type": "object"},
    },
}
PROTOCOL_2_BODY: dict[str, Any] = {
    "type": "array",
    "description": "Celery's protocol 2 body: (args, kwargs, embed).",
    "items": [
        {"type": "array", "description": "The positional arguments."},
        {"type": "object", "description": "The keyword arguments."},
        {
            "type": "object",
            "properties": {
                "callbacks": {"type": ["array", "null"]},
                "errbacks": {"type": ["array", "null"]},
                "chain": {"type": ["array", "null"]},
                "chord": {"type": ["object", "null"]},
            },
        },
    ],
    "minItems": 3,
    "maxItems": 3,
}


def key(name: str) -> str:
    """A name as an AsyncAPI component key (letters, digits, '.', '-', '_')."""
    return re.sub(r"[^\w.\-]", "_", name) or "_"


def asyncapi(topology: Topology, vhost: str, host: str) -> dict[str, Any]:
    """The document; `host`: the broker's host:port as the server (never its credentials)."""
    routed = tasks_by_queue(topology)
    tasks = known_task_names(topology)
    routes = {name: task_route(topology, name) for name in tasks}
    messages = {TASK_MESSAGE: _message("any Celery task", None), **{key(t): _message(t, t) for t in tasks}}
    channels: dict[str, Any] = {}
    for exchange in topology.exchanges:
        sent = [t for t, route in routes.items() if route.exchange == exchange.name]
        binding = {
            "name": exchange.name,
            "durable": exchange.durable,
            "autoDelete": exchange.auto_delete,
            "vhost": vhost,
        }
        amqp: dict[str, Any] = {"is": "routingKey", "exchange": binding, "bindingVersion": AMQP_BINDING}
        if exchange.type in AMQP_TYPES:
            binding["type"] = exchange.type.value
        else:
            amqp["x-exchange-type"] = exchange.type.value
        channels[f"exchange.{key(exchange.name)}"] = _channel(exchange.name, sent, amqp)
    for queue in topology.on_broker.queues:
        landing = [t for t, route in routes.items() if queue.name in route.queues]
        amqp = {
            "is": "queue",
            "queue": {
                "name": queue.name,
                "durable": queue.durable,
                "exclusive": False,
                "autoDelete": queue.auto_delete,
                "vhost": vhost,
            },
            "bindingVersion": AMQP_BINDING,
            "x-queue-type": queue.type.value,
        }
        channels[f"queue.{key(queue.name)}"] = _channel(queue.name, landing, amqp)
    operations: dict[str, Any] = {}
    for task, route in routes.items():
        if route.exchange is None or f"exchange.{key(route.exchange)}" not in channels:
            continue  # refused, or through the default exchange: no channel of the file's
        channel = f"exchange.{key(route.exchange)}"
        operations[f"send.{key(task)}"] = {
            "action": "send",
            "title": task,
            "summary": f"{task} sent to exchange {route.exchange!r} with routing key {route.routing_key!r}",
            "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [{"$ref": f"#/channels/{channel}/messages/{key(task)}"}],
            "bindings": {"amqp": {"cc": [route.routing_key or ""], "deliveryMode": 2, "bindingVersion": AMQP_BINDING}},
        }
    for queue_name, queue_tasks in routed.items():
        channel = f"queue.{key(queue_name)}"
        if channel not in channels:
            continue
        names = [key(t) for t in queue_tasks] or [TASK_MESSAGE]
        operations[f"receive.{key(queue_name)}"] = {
            "action": "receive",
            "title": f"a worker of queue {queue_name}",
            "summary": f"celery worker -Q {queue_name}",
            "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [{"$ref": f"#/channels/{channel}/messages/{name}"} for name in names],
            "bindings": {"amqp": {"ack": True, "bindingVersion": AMQP_BINDING}},
        }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": f"Celery tasks of vhost {vhost!r}",
            "version": "1.0.0",
            "description": "Written by `python -m topology export --format asyncapi` from routing.yaml.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "rabbitmq": {
                "host": host,
                "pathname": "/" + vhost.lstrip("/"),
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def _channel(address: str, tasks: list[str], amqp: dict[str, Any]) -> dict[str, Any]:
    names = [TASK_MESSAGE, *(key(t) for t in tasks)]
    return {
        "address": address,
        "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in names},
        "bindings": {"amqp": amqp},
    }


def _message(title: str, task: str | None) -> dict[str, Any]:
    headers = PROTOCOL_2_HEADERS
    if task is not None:
        fixed = {**headers["properties"], "task": {"type": "string", "const": task}}
        headers = {**headers, "properties": fixed}
    return {
        "name": task or TASK_MESSAGE,
        "title": title,
        "contentType": "application/json",
        "headers": headers,
        "payload": PROTOCOL_2_BODY,
        "correlationId": {"location": "$message.header#/id"},
        "bindings": {
            "amqp": {"contentEncoding": "utf-8", "messageType": task or "celery task", "bindingVersion": AMQP_BINDING}
        },
    }

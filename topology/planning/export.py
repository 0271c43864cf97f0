"""routing.yaml as RabbitMQ definitions for one vhost: what `rabbitmqctl import_definitions` and the
management UI's import read. Pure.

Objects carry our owner marker, as `apply` declares them, so that what an import made is `apply`'s to
prune later; the objects' own properties are those `apply` would declare, so `plan` then finds nothing to do.
"""

from __future__ import annotations

from typing import Any

from topology.model import OWNER_ARGUMENT, Kind, Queue, Topology


def definitions(topology: Topology, vhost: str) -> dict[str, Any]:
    """Each object names `vhost`, as `rabbitmqctl import_definitions` needs (the management API's
    per-vhost import ignores the name and imports into the vhost it is posted to)."""
    topology = topology.on_broker
    owned = {OWNER_ARGUMENT: topology.owner}
    named = {"vhost": vhost}
    exchanges = [
        {
            "name": declared.name,
            **named,
            "type": declared.type,
            "durable": declared.durable,
            "auto_delete": declared.auto_delete,
            "internal": declared.internal,
            "arguments": {**declared.arguments, **owned},
        }
        for declared in (e.declared() for e in topology.exchanges)
    ]
    queues = [
        {
            "name": declared.name,
            **named,
            "durable": declared.durable,
            "auto_delete": declared.auto_delete,
            "arguments": {**declared.wire_arguments(), **owned},
        }
        for declared in (q.declared() for q in topology.queues)
    ]
    bindings = [
        {
            "source": binding.exchange,
            **named,
            "destination": destination.name,
            "destination_type": (Kind.QUEUE if isinstance(destination, Queue) else Kind.EXCHANGE).value,
            "routing_key": binding.routing_key,
            "arguments": {**binding.arguments, **owned},
        }
        for destination, binding in topology.all_bindings()
    ]
    policies = [
        {
            "name": policy.name,
            **named,
            "pattern": policy.pattern,
            "apply-to": policy.apply_to,
            "priority": policy.priority,
            "definition": dict(policy.definition),
        }
        for policy in topology.policies
    ]
    return {"exchanges": exchanges, "queues": queues, "bindings": bindings, "policies": policies}

"""Make the broker hold routing.yaml's exchanges, queues and bindings, safely and idempotently.

Everything is checked before anything changes: a passive declare tells whether an object exists,
and re-declaring an existing one is RabbitMQ's own equivalence check (a no-op when it matches,
a 406 that changes nothing when it does not). Only when no object conflicts are the missing ones
created, exchanges first, then queues, then bindings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import partial

from topology.amqp import AmqpClient, Refusal
from topology.errors import BrokerUnavailable
from topology.live import LiveBinding, binding_arguments
from topology.management import ManagementClient
from topology.model import Queue, Topology


class Status(str, Enum):
    CREATED = "created"
    UNCHANGED = "unchanged"
    BOUND = "bound"  # binding declared; whether it existed before is unknown (no management API)
    CONFLICT = "conflict"
    FAILED = "failed"


@dataclass(frozen=True)
class Step:
    kind: str
    name: str
    status: Status
    detail: str = ""


@dataclass(frozen=True)
class ApplyReport:
    steps: tuple[Step, ...]
    note: str = ""

    @property
    def ok(self) -> bool:
        return not any(s.status in (Status.CONFLICT, Status.FAILED) for s in self.steps)


def apply_topology(topology: Topology, amqp: AmqpClient, management: ManagementClient | None) -> ApplyReport:
    vhost = amqp.settings.vhost
    missing_plugins = _missing_plugins(topology, management)
    if missing_plugins:
        return ApplyReport(missing_plugins, "nothing was changed")
    declares: list[tuple[str, str, object, Callable[[], Refusal | None]]] = [
        ("exchange", e.name, amqp.exchange_exists(e.name), partial(amqp.declare_exchange, e))
        for e in topology.exchanges
    ]
    declares += [("queue", q.name, amqp.queue_counts(q.name), partial(amqp.declare_queue, q)) for q in topology.queues]
    checked = [(_check(kind, name, found, declare, vhost), declare) for kind, name, found, declare in declares]
    if any(step.status is Status.CONFLICT for step, _ in checked):
        return ApplyReport(tuple(s for s, _ in checked if s.status is Status.CONFLICT), "nothing was changed")
    steps = [_create(step, declare) if step.status is Status.CREATED else step for step, declare in checked]
    existing, note = _live_bindings(management, vhost)
    for destination, binding in topology.all_bindings():
        kind = "queue" if isinstance(destination, Queue) else "exchange"
        headers = f" {dict(binding.arguments)}" if binding.arguments else ""
        name = f"{binding.exchange} -> {kind} {destination.name} ({binding.routing_key!r}{headers})"
        refusal = amqp.bind(destination, binding)
        if refusal:
            steps.append(Step("binding", name, Status.FAILED, refusal.explanation))
        elif existing is None:
            steps.append(Step("binding", name, Status.BOUND))
        else:
            live = LiveBinding(
                binding.exchange, destination.name, kind, binding.routing_key, binding_arguments(binding.arguments)
            )
            steps.append(Step("binding", name, Status.UNCHANGED if live in existing else Status.CREATED))
    return ApplyReport(tuple(steps), note)


def _missing_plugins(topology: Topology, management: ManagementClient | None) -> tuple[Step, ...]:
    """Exchanges of a plugin type the broker does not offer: declaring one would close the connection (503)."""
    plugin_typed = [e for e in topology.exchanges if e.type.plugin is not None]
    if not plugin_typed or management is None:
        return ()
    available = management.exchange_types()
    return tuple(
        Step(
            "exchange",
            e.name,
            Status.CONFLICT,
            f"type {e.type.value!r} needs the {e.type.plugin} plugin, which is not enabled on this broker: "
            f"`rabbitmq-plugins enable {e.type.plugin}`, then apply again",
        )
        for e in plugin_typed
        if e.type.value not in available
    )


_FIXES = {
    "exchange": "RabbitMQ cannot change an exchange in place: delete it (management UI, or "
    "`rabbitmqadmin --vhost={vhost} delete exchange name={name}`) and apply again, "
    "or make routing.yaml match the broker",
    "queue": "RabbitMQ cannot change a queue in place: let workers drain it, delete it "
    "(`rabbitmqctl -p {vhost} delete_queue {name}`) and apply again, or make routing.yaml match the broker",
}


def _check(kind: str, name: str, found: object, redeclare: Callable[[], Refusal | None], vhost: str) -> Step:
    """`found` is what a passive declare said (falsy: absent); an existing object is re-declared to compare."""
    refusal = found if isinstance(found, Refusal) else (redeclare() if found else None)
    if refusal:
        fix = _FIXES[kind].format(vhost=vhost, name=name)
        return Step(kind, name, Status.CONFLICT, f"{refusal.explanation}. {fix}")
    return Step(kind, name, Status.UNCHANGED if found else Status.CREATED)


def _create(step: Step, declare: Callable[[], Refusal | None]) -> Step:
    refusal = declare()
    return Step(step.kind, step.name, Status.FAILED, refusal.explanation) if refusal else step


def _live_bindings(management: ManagementClient | None, vhost: str) -> tuple[frozenset[LiveBinding] | None, str]:
    """The vhost's bindings before applying, to tell created from unchanged; None if the API is unavailable."""
    if management is None:
        return None, "bindings were declared without the management API, so 'bound' cannot tell new from existing"
    try:
        return management.state(vhost).bindings, ""
    except BrokerUnavailable as error:
        return None, f"bindings were declared, but new could not be told from existing: {error}"

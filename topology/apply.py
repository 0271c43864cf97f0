"""Make the broker hold routing.yaml's exchanges, queues and bindings, safely and idempotently.

Everything is checked before anything changes: a passive declare tells whether an object exists,
and re-declaring an existing one is RabbitMQ's own equivalence check (a no-op when it matches,
a 406 that changes nothing when it does not). Only when no object conflicts are the missing ones
created, exchanges first, then queues, then bindings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from topology.amqp import AmqpClient, Refusal
from topology.errors import BrokerUnavailable
from topology.live import LiveBinding
from topology.management import ManagementClient
from topology.model import Exchange, Queue, Topology


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
    checked = [_check_exchange(amqp, e, vhost) for e in topology.exchanges]
    checked += [_check_queue(amqp, q, vhost) for q in topology.queues]
    if any(step.status is Status.CONFLICT for step in checked):
        return ApplyReport(tuple(s for s in checked if s.status is Status.CONFLICT), "nothing was changed")
    steps = [_create(amqp, topology, step) if step.status is Status.CREATED else step for step in checked]
    existing, note = _live_bindings(management, vhost)
    for queue, binding in topology.bindings():
        name = f"{binding.exchange} -> {queue.name} ({binding.routing_key!r})"
        refusal = amqp.bind(queue.name, binding)
        if refusal:
            steps.append(Step("binding", name, Status.FAILED, refusal.explanation))
        elif existing is None:
            steps.append(Step("binding", name, Status.BOUND))
        else:
            seen = LiveBinding(binding.exchange, queue.name, "queue", binding.routing_key) in existing
            steps.append(Step("binding", name, Status.UNCHANGED if seen else Status.CREATED))
    return ApplyReport(tuple(steps), note)


def _check_exchange(amqp: AmqpClient, exchange: Exchange, vhost: str) -> Step:
    exists = amqp.exchange_exists(exchange.name)
    refusal = exists if isinstance(exists, Refusal) else (amqp.declare_exchange(exchange) if exists else None)
    if refusal:
        return Step(
            "exchange",
            exchange.name,
            Status.CONFLICT,
            f"{refusal.explanation}. RabbitMQ cannot change an exchange in place: delete it (management UI, or "
            f"`rabbitmqadmin --vhost={vhost} delete exchange name={exchange.name}`) and apply again, "
            "or make routing.yaml match the broker",
        )
    return Step("exchange", exchange.name, Status.UNCHANGED if exists else Status.CREATED)


def _check_queue(amqp: AmqpClient, queue: Queue, vhost: str) -> Step:
    counts = amqp.queue_counts(queue.name)
    refusal = counts if isinstance(counts, Refusal) else (amqp.declare_queue(queue) if counts else None)
    if refusal:
        return Step(
            "queue",
            queue.name,
            Status.CONFLICT,
            f"{refusal.explanation}. RabbitMQ cannot change a queue in place: let workers drain it, delete it "
            f"(`rabbitmqctl -p {vhost} delete_queue {queue.name}`) and apply again, "
            "or make routing.yaml match the broker",
        )
    return Step("queue", queue.name, Status.UNCHANGED if counts else Status.CREATED)


def _create(amqp: AmqpClient, topology: Topology, step: Step) -> Step:
    if step.kind == "exchange":
        exchange = topology.exchange(step.name)
        refusal = amqp.declare_exchange(exchange) if exchange else None
    else:
        queue = topology.queue(step.name)
        refusal = amqp.declare_queue(queue) if queue else None
    return Step(step.kind, step.name, Status.FAILED, refusal.explanation) if refusal else step


def _live_bindings(management: ManagementClient | None, vhost: str) -> tuple[frozenset[LiveBinding] | None, str]:
    """The vhost's bindings before applying, to tell created from unchanged; None if the API is unavailable."""
    if management is None:
        return None, "bindings were declared without the management API, so 'bound' cannot tell new from existing"
    try:
        return management.state(vhost).bindings, ""
    except BrokerUnavailable as error:
        return None, f"bindings were declared, but new could not be told from existing: {error}"

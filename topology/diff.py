"""Desired topology vs live broker: one Finding per difference. Pure; the same findings feed text and JSON."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from topology.live import LiveBinding, LiveState, binding_arguments
from topology.model import Queue, Severity, Topology
from topology.routing import tasks_by_queue

# Objects RabbitMQ and Celery make for themselves: never drift. Celery's worker control (pidbox),
# events and rpc:// replies use these exchanges plus exclusive or auto-delete queues per connection.
CELERY_EXCHANGES = frozenset({"celeryev", "celery.pidbox", "reply.celery.pidbox"})


# Severity.ERROR: drift, the broker does not do what routing.yaml says.
# Severity.WARNING: the topology is right but tasks will not get processed (no consumer).


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    subject: str
    message: str


def diff(topology: Topology, live: LiveState) -> list[Finding]:
    return [
        *_exchanges(topology, live),
        *_queues(topology, live),
        *_bindings(topology, live),
        *_consumers(topology, live),
    ]


def _is_own_exchange(name: str) -> bool:
    return name == "" or name.startswith("amq.") or name in CELERY_EXCHANGES


def _drift(code: str, subject: str, message: str) -> Finding:
    return Finding(code, Severity.ERROR, subject, message)


def _mismatches(code: str, subject: str, properties: list[tuple[str, object, object]]) -> Iterator[Finding]:
    """One finding per (property, wanted, found) that differs."""
    for prop, want, have in properties:
        if want != have:
            yield _drift(code, subject, f"{subject} has {prop}={have} but routing.yaml says {want}")


def _exchanges(topology: Topology, live: LiveState) -> Iterator[Finding]:
    for exchange in topology.exchanges:
        found = live.exchanges.get(exchange.name)
        subject = f"exchange {exchange.name!r}"
        if found is None:
            yield _drift("missing_exchange", subject, f"{subject} is missing: run `python -m topology apply`")
            continue
        yield from _mismatches(
            "exchange_mismatch",
            subject,
            [
                ("type", exchange.type.value, found.type),
                ("durable", exchange.durable, found.durable),
                ("auto_delete", exchange.auto_delete, found.auto_delete),
                ("internal", exchange.internal, found.internal),
                ("arguments", dict(exchange.arguments), found.arguments),
            ],
        )
    declared = {e.name for e in topology.exchanges}
    for name in sorted(set(live.exchanges) - declared):
        if not _is_own_exchange(name):
            yield _drift(
                "extra_exchange", f"exchange {name!r}", f"exchange {name!r} is on the broker but not in routing.yaml"
            )


def _queues(topology: Topology, live: LiveState) -> Iterator[Finding]:
    for queue in topology.queues:
        found = live.queues.get(queue.name)
        subject = f"queue {queue.name!r}"
        if found is None:
            yield _drift("missing_queue", subject, f"{subject} is missing: run `python -m topology apply`")
            continue
        yield from _mismatches(
            "queue_mismatch",
            subject,
            [
                ("type", queue.type.value, found.type),
                ("durable", queue.durable, found.durable),
                ("auto_delete", queue.auto_delete, found.auto_delete),
                ("exclusive", False, found.exclusive),
                ("arguments", dict(queue.arguments), found.arguments),
            ],
        )
    declared = {q.name for q in topology.queues}
    for name, found in sorted(live.queues.items()):
        if name not in declared and not (found.exclusive or found.auto_delete):
            yield _drift("extra_queue", f"queue {name!r}", f"queue {name!r} is on the broker but not in routing.yaml")


def _bindings(topology: Topology, live: LiveState) -> Iterator[Finding]:
    wanted = {
        LiveBinding(
            b.exchange,
            d.name,
            "queue" if isinstance(d, Queue) else "exchange",
            b.routing_key,
            binding_arguments(b.arguments),
        )
        for d, b in topology.all_bindings()
    }
    for binding in sorted(wanted - live.bindings, key=_binding_order):
        # a missing queue or exchange is reported on its own; its bindings are missing with it.
        destinations = live.queues if binding.destination_type == "queue" else live.exchanges
        if binding.source in live.exchanges and binding.destination in destinations:
            yield _drift(
                "missing_binding",
                _binding_subject(binding),
                f"{_binding_subject(binding)} is missing: messages sent this way are dropped",
            )
    declared_exchanges = {e.name for e in topology.exchanges}
    declared_queues = {q.name for q in topology.queues}
    for binding in sorted(live.bindings - wanted, key=_binding_order):
        declared = declared_queues if binding.destination_type == "queue" else declared_exchanges
        ours = binding.source in declared_exchanges or binding.destination in declared
        if ours and binding.source != "":
            yield _drift(
                "extra_binding",
                _binding_subject(binding),
                f"{_binding_subject(binding)} is on the broker but not in routing.yaml",
            )


def _binding_order(binding: LiveBinding) -> tuple[str, str, str, str]:
    return (binding.source, binding.destination, binding.routing_key, repr(binding.arguments))


def _binding_subject(binding: LiveBinding) -> str:
    headers = f", headers {dict(binding.arguments)}" if binding.arguments else ""
    return (
        f"binding {binding.source!r} -> {binding.destination_type} {binding.destination!r} "
        f"(routing key {binding.routing_key!r}{headers})"
    )


def _consumers(topology: Topology, live: LiveState) -> Iterator[Finding]:
    for queue, tasks in tasks_by_queue(topology).items():
        found = live.queues.get(queue)
        if found is None or found.consumers != 0:
            continue
        who = ", ".join(tasks) if tasks else "every task without a route"
        verb = "is" if len(tasks) <= 1 else "are"
        yield Finding(
            "no_consumer",
            Severity.WARNING,
            f"queue {queue!r}",
            f"{who} {verb} routed to queue {queue!r}, which no worker consumes: its tasks will stay PENDING",
        )

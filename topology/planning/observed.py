"""What the broker holds: the observed side of a diff. Pure data, filled in by the AMQP and HTTP edges
(`from_definitions` reads the management API's definitions format, what `rabbitmqctl export_definitions` writes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from topology.model import OWNER_ARGUMENT


@dataclass(frozen=True)
class LiveExchange:
    name: str
    type: str
    durable: bool
    auto_delete: bool
    internal: bool = False
    arguments: dict[str, Any] = field(default_factory=dict, compare=False)
    owner: str | None = field(default=None, compare=False)  # its x-topology-owner, kept out of `arguments`


@dataclass(frozen=True)
class LiveQueue:
    name: str
    durable: bool
    auto_delete: bool = False
    exclusive: bool = False
    arguments: dict[str, Any] = field(default_factory=dict, compare=False)  # x-queue-type excepted: see `type`
    type: str = "classic"
    messages_ready: int | None = None
    consumers: int | None = None
    owner: str | None = field(default=None, compare=False)

    @property
    def in_use(self) -> bool:
        """Holds ready messages or has consumers (unknown counts count as in use: never guess "empty")."""
        return self.messages_ready != 0 or self.consumers != 0


BindingArguments = tuple[tuple[str, Any], ...]


def binding_arguments(arguments: Mapping[str, Any]) -> BindingArguments:
    """A binding's header arguments in a hashable, order-free form: part of a binding's identity."""
    return tuple(sorted(arguments.items()))


@dataclass(frozen=True)
class LiveBinding:
    """A binding of `destination` (a queue, or an exchange) to the `source` exchange."""

    source: str
    destination: str
    destination_type: str
    routing_key: str
    arguments: BindingArguments = ()
    owner: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class LivePolicy:
    name: str
    pattern: str
    apply_to: str
    priority: int
    definition: dict[str, Any]


RECOMMENDED_FILE_DESCRIPTORS = 65536
"""RabbitMQ's production checklist: at least 65536 open files for the rabbitmq user (4096 for most
development). Queues and connections share them; with too few, queues wait on RabbitMQ's file handle
cache, and applying thousands of queues slows to a crawl (measured: README, "At scale")."""


@dataclass(frozen=True)
class BrokerNode:
    name: str
    file_descriptors: int | None  # fd_total: how many files the OS lets the node open (None: not reported)

    def advice(self) -> str:
        """One line on the node's file limit, with the fix when it is below what RabbitMQ recommends."""
        limit = self.file_descriptors
        if limit is None:
            return f"node {self.name}: file descriptor limit not reported"
        if limit >= RECOMMENDED_FILE_DESCRIPTORS:
            return f"node {self.name}: {limit} file descriptors"
        return (
            f"node {self.name}: {limit} file descriptors, below the {RECOMMENDED_FILE_DESCRIPTORS} RabbitMQ "
            "recommends for production (with too few, queues wait on file handles): raise `ulimit -n` for the "
            "rabbitmq user (LimitNOFILE= under systemd, else ulimit in /etc/default/rabbitmq-server) and restart it"
        )


@dataclass(frozen=True)
class LiveState:
    vhost: str
    exchanges: dict[str, LiveExchange]
    queues: dict[str, LiveQueue]
    bindings: frozenset[LiveBinding]
    policies: dict[str, LivePolicy] = field(default_factory=dict)
    exchange_types: frozenset[str] | None = None  # what the broker's plugins offer, when the file needs to know
    unseen: str = ""  # why bindings and objects outside the file could not be read (empty: all were)


def from_definitions(vhost: str, definitions: Mapping[str, Any]) -> LiveState:
    """A vhost's state from its definitions: our owner marker is taken out of each object's arguments."""
    return LiveState(
        vhost=vhost,
        exchanges={e.name: e for e in map(_exchange, definitions.get("exchanges", []))},
        queues={q.name: q for q in map(_queue, definitions.get("queues", []))},
        bindings=frozenset(map(_binding, definitions.get("bindings", []))),
        policies={p.name: p for p in map(_policy, definitions.get("policies", []))},
    )


def _exchange(record: dict[str, Any]) -> LiveExchange:
    arguments = dict(record.get("arguments") or {})
    return LiveExchange(
        name=record["name"],
        type=record["type"],
        durable=record["durable"],
        auto_delete=record["auto_delete"],
        internal=record.get("internal", False),
        owner=arguments.pop(OWNER_ARGUMENT, None),
        arguments=arguments,
    )


def _queue(record: dict[str, Any]) -> LiveQueue:
    # message and consumer counts: the definitions have none, and the API's lag; AMQP gives them live.
    arguments = dict(record.get("arguments") or {})
    queue_type = str(arguments.pop("x-queue-type", None) or record.get("type") or "classic")
    return LiveQueue(
        name=record["name"],
        durable=record["durable"],
        auto_delete=record["auto_delete"],
        exclusive=bool(record.get("exclusive") or record.get("owner_pid_details")),
        owner=arguments.pop(OWNER_ARGUMENT, None),
        arguments=arguments,
        type=queue_type,
    )


def _binding(record: dict[str, Any]) -> LiveBinding:
    arguments = dict(record.get("arguments") or {})
    return LiveBinding(
        source=record["source"],
        destination=record["destination"],
        destination_type=record["destination_type"],
        routing_key=record["routing_key"],
        owner=arguments.pop(OWNER_ARGUMENT, None),
        arguments=binding_arguments(arguments),
    )


def _policy(record: dict[str, Any]) -> LivePolicy:
    return LivePolicy(
        name=record["name"],
        pattern=record["pattern"],
        apply_to=record.get("apply-to", "all"),
        priority=int(record.get("priority", 0)),
        definition=dict(record.get("definition") or {}),
    )

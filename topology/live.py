"""What the broker holds: the observed side of a diff. Pure data, filled in by the AMQP and HTTP edges."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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


@dataclass(frozen=True)
class LiveState:
    vhost: str
    exchanges: dict[str, LiveExchange]
    queues: dict[str, LiveQueue]
    bindings: frozenset[LiveBinding]
    policies: dict[str, LivePolicy] = field(default_factory=dict)
    exchange_types: frozenset[str] | None = None  # what the broker's plugins offer, when the file needs to know

"""What the broker holds: the observed side of a plan. Pure data, filled in by the broker edge (`from_definitions`
reads the management API's definitions format, what `rabbitmqctl export_definitions` writes); each observed
exchange and queue is the model's "as declared" form plus what only the broker knows (owner marker, counts)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from topology.model import (
    OWNER_ARGUMENT,
    BindingArguments,
    ExchangeDeclaration,
    Kind,
    QueueDeclaration,
    Ref,
    binding_arguments,
)
from topology.planning.history import RECORD_ARGUMENT, RECORD_EXCHANGE, ApplyRecord
from topology.planning.migration import HOLDING_PREFIX, RECORD_PREFIX, MigrationRecord
from topology.planning.migration import RECORD_ARGUMENT as MIGRATION_ARGUMENT


@dataclass(frozen=True)
class LiveExchange(ExchangeDeclaration):
    owner: str | None = field(default=None, compare=False)  # its x-topology-owner, kept out of `arguments`


@dataclass(frozen=True)
class LiveQueue(QueueDeclaration):
    messages_ready: int | None = None
    consumers: int | None = None
    owner: str | None = field(default=None, compare=False)

    @property
    def in_use(self) -> bool:
        """Holds ready messages or has consumers (unknown counts count as in use: never guess "empty")."""
        return self.messages_ready != 0 or self.consumers != 0


@dataclass(frozen=True)
class LiveBinding:
    """A binding of `destination` (a queue, or an exchange) to the `source` exchange."""

    source: str
    destination: str
    destination_type: Kind
    routing_key: str
    arguments: BindingArguments = ()
    owner: str | None = field(default=None, compare=False)

    @property
    def ref(self) -> Ref:
        return Ref(Kind.BINDING, self.destination, self.source, self.destination_type, self.routing_key, self.arguments)


@dataclass(frozen=True)
class LivePolicy:
    name: str
    pattern: str
    apply_to: str
    priority: int
    definition: dict[str, Any]


@dataclass(frozen=True)
class Placement:
    """Where a queue lives in the cluster: a classic queue on its home `node`; a quorum queue's replicas on
    its `members`, of which those `online` run, one the `leader` that takes every publish and delivery."""

    name: str
    type: str
    node: str | None = None  # classic (and stream leader): the node holding it
    leader: str | None = None  # quorum
    members: tuple[str, ...] = ()
    online: tuple[str, ...] = ()
    down: bool = False  # RabbitMQ's `state: down`: its node (or every member) is unreachable

    @property
    def offline(self) -> tuple[str, ...]:
        return tuple(m for m in self.members if m not in self.online)

    @property
    def has_quorum(self) -> bool:
        return len(self.online) > len(self.members) // 2


@dataclass(frozen=True)
class ClusterState:
    """The cluster's nodes and where each queue of the vhost lives (management API). `running` and `down`
    are empty when the user may not list the nodes (monitoring tag): the queues' own state still tells."""

    running: tuple[str, ...] = ()
    down: tuple[str, ...] = ()
    placements: Mapping[str, Placement] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.running) + len(self.down)

    def unavailable(self, queue: str) -> str | None:
        """The down node holding `queue`, when it is a queue that lives on one node (classic) and that node
        is down; None when the queue can be reached."""
        placement = self.placements.get(queue)
        if placement is None or placement.members:
            return None
        if placement.down or (placement.node is not None and placement.node in self.down):
            return placement.node or "its node"
        return None


@dataclass(frozen=True)
class LiveState:
    vhost: str
    exchanges: dict[str, LiveExchange]
    queues: dict[str, LiveQueue]
    bindings: frozenset[LiveBinding]
    policies: dict[str, LivePolicy] = field(default_factory=dict)
    exchange_types: frozenset[str] | None = None  # what the broker's plugins offer, when the file needs to know
    unseen: str = ""  # why bindings and objects outside the file could not be read (empty: all were)
    cluster: ClusterState | None = None  # nodes and queue placement (None: not read, without the management API)
    rabbitmq_version: str | None = None  # the broker's, as its management API tells it (None: not known)
    recorded: ApplyRecord | None = None  # the last apply's record (`planning.history`), kept in the vhost
    migrating: Mapping[str, MigrationRecord] = field(default_factory=dict)  # interrupted migrations, by queue
    holding: Mapping[str, LiveQueue] = field(default_factory=dict)  # their holding queues (`planning.migration`)


Counts = dict[str, tuple[int, int] | None]
"""(ready messages, consumers) of each queue asked about; None where it does not exist."""


def with_counts(state: LiveState, counts: Counts) -> LiveState:
    """`state` with live counts for the queues asked about (a queue gone since the read is dropped; one whose
    node is down, which its passive declare calls NOT_FOUND too, is kept with its counts unknown)."""
    queues = dict(state.queues)
    for name, found in counts.items():
        if found is None and state.cluster is not None and state.cluster.unavailable(name):
            continue
        if found is None:
            queues.pop(name, None)
        elif name in queues:
            queues[name] = replace(queues[name], messages_ready=found[0], consumers=found[1])
    return replace(state, queues=queues)


def from_definitions(vhost: str, definitions: Mapping[str, Any]) -> LiveState:
    """A vhost's state from its definitions: our owner marker is taken out of each object's arguments, and
    the last apply's record out of the exchanges; migrations under way (their records and holding queues) apart."""
    exchanges = {e.name: e for e in map(_exchange, definitions.get("exchanges", []))}
    record = exchanges.pop(RECORD_EXCHANGE, None)
    records = [exchanges.pop(name) for name in list(exchanges) if name.startswith(RECORD_PREFIX)]
    migrating = [MigrationRecord.from_argument(r.arguments.get(MIGRATION_ARGUMENT)) for r in records]
    queues = {q.name: q for q in map(_queue, definitions.get("queues", []))}
    listed = filter(partial(_not_to_an_exclusive_queue, queues), definitions.get("bindings", []))
    holding = {name: queues.pop(name) for name in list(queues) if name.startswith(HOLDING_PREFIX)}
    bindings = (b for b in map(_binding, listed) if b.destination not in holding)
    return LiveState(
        vhost=vhost,
        exchanges=exchanges,
        queues=queues,
        bindings=frozenset(bindings),
        migrating={m.queue: m for m in migrating if m is not None},
        holding=holding,
        policies={p.name: p for p in map(_policy, definitions.get("policies", []))},
        rabbitmq_version=definitions_version(definitions),
        recorded=ApplyRecord.from_argument(record.arguments.get(RECORD_ARGUMENT)) if record is not None else None,
    )


def _not_to_an_exclusive_queue(queues: Mapping[str, LiveQueue], binding: Mapping[str, Any]) -> bool:
    """Definitions leave exclusive queues out (they belong to one connection: a Broadcast worker's own queue,
    the apply lock), but RabbitMQ 4.x's definitions, and the bindings listing on every version, still list
    their bindings. A binding cannot outlive its queue, so one to a queue the same read lacks is such a
    queue's, and is left out with it."""
    return binding.get("destination_type") != "queue" or binding["destination"] in queues


def cluster_view(nodes: list[dict[str, Any]] | None, queues: list[dict[str, Any]]) -> ClusterState:
    """The cluster as GET /api/nodes (None: not permitted) and GET /api/queues/<vhost> list it."""
    placements = {q["name"]: _placement(q) for q in queues}
    running = tuple(n["name"] for n in nodes or () if n.get("running"))
    down = tuple(n["name"] for n in nodes or () if not n.get("running"))
    return ClusterState(running, down, placements)


def _placement(record: dict[str, Any]) -> Placement:
    return Placement(
        name=record["name"],
        type=str(record.get("type") or "classic"),
        node=record.get("node"),
        leader=record.get("leader"),
        members=tuple(record.get("members") or ()),
        online=tuple(record.get("online") or ()),
        down=record.get("state") == "down",
    )


def definitions_version(definitions: Mapping[str, Any]) -> str | None:
    """The broker's version as its definitions say it: rabbitmq_version since 3.11, rabbit_version before."""
    return definitions.get("rabbitmq_version") or definitions.get("rabbit_version")


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
        destination_type=Kind(record["destination_type"]),
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

"""The routing picture as a value: tasks -> exchanges -> queues -> workers. Pure.

Built from the file alone, or with an `Overlay` of what the broker says: objects the plan finds missing
are marked so (drawn red), objects only on the broker are added as extra (drawn grey), queues carry their
counts and workers appear as the consumers of their queues. Routing follows `topology.routing`; with an
overlay, each task's way is followed through the broker's bindings (`planning.live_routes`), so that a
binding not in the file that captures a task shows as the grey edge it takes.

Renderers (`picture.dot`, `picture.mermaid`) turn a Graph into text; nothing here knows a syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from topology.model import (
    ALTERNATE_EXCHANGE,
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_ROUTING_KEY,
    MATCH,
    Arguments,
    ExchangeType,
    Kind,
    Policy,
    Queue,
    Ref,
    Route,
    Topology,
    binding_arguments,
)
from topology.planning.activity import QueueActivity
from topology.planning.consumers import WorkerConsumer
from topology.planning.live_routes import live_topology
from topology.planning.observed import LiveState
from topology.planning.plan import Action, Plan
from topology.routing import deliver, known_task_names, route_destination, route_for, task_message
from topology.values import show

DEFAULT_RULE = "(tasks without a route)"


class NodeKind(str, Enum):
    TASK = "task"
    EXCHANGE = "exchange"
    QUEUE = "queue"
    WORKER = "worker"


class EdgeKind(str, Enum):
    PUBLISH = "publish"  # task -> exchange (or queue, through the default exchange), with the routing key
    BINDING = "binding"  # exchange -> queue, with the binding's key or header match
    EXCHANGE_BINDING = "exchange-binding"  # exchange -> exchange
    ALTERNATE = "alternate"  # exchange -> its alternate exchange, for what no binding matches
    DEAD_LETTER = "dead-letter"  # queue -> its dead-letter exchange
    CONSUME = "consume"  # queue -> worker
    DELAYED = "delayed"  # the delay ladder -> an exchange, which a delayed task meets (with its own key) once due


class Presence(str, Enum):
    DECLARED = "declared"  # in routing.yaml (and on the broker, when it was looked at)
    MISSING = "missing"  # in routing.yaml, not on the broker
    EXTRA = "extra"  # on the broker, not in routing.yaml
    LIVE = "live"  # only the broker knows it (workers)


BROADCAST_NOTE = "broadcast: a queue per worker"
"""How a broadcast queue is drawn: each worker consuming it declares one of its own (`Queue.broadcast`)."""


@dataclass(frozen=True)
class Node:
    kind: NodeKind
    name: str
    presence: Presence = Presence.DECLARED
    notes: tuple[str, ...] = ()  # lines under the name: an exchange's type, a queue's counts

    @property
    def id(self) -> str:
        return node_id(self.kind, self.name)

    @property
    def label(self) -> str:
        return self.name or "(default exchange)"


def node_id(kind: NodeKind, name: str) -> str:
    return f"{kind.value}:{name}"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: EdgeKind
    label: str = ""
    presence: Presence = Presence.DECLARED


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: Mapping[str, str] = field(default_factory=dict)  # node id -> the exchange whose cluster holds it
    reaches: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # task node id -> queue node ids

    def node(self, ident: str) -> Node | None:
        return next((n for n in self.nodes if n.id == ident), None)

    def focused(self, name: str) -> Graph | None:
        """The part that concerns task or queue `name`: a task with the way to the queues it lands in and
        on from them; a queue with what feeds it and where it leads. None when there is neither."""
        task, queue = node_id(NodeKind.TASK, name), node_id(NodeKind.QUEUE, name)
        if self.node(task) is not None:
            landing = set(self.reaches.get(task, ()))
            publish = {e.target for e in self.edges if e.source == task}
            between = (self._reachable(publish, forward=True) & self._reachable(landing, forward=False)) | publish
            keep = {task} | between | self._reachable(landing, forward=True)
        elif self.node(queue) is not None:
            keep = self._reachable({queue}, forward=True) | self._reachable({queue}, forward=False)
        else:
            return None
        return self._only(keep)

    def _reachable(self, start: set[str], *, forward: bool) -> set[str]:
        seen, frontier = set(start), list(start)
        while frontier:
            current = frontier.pop()
            for edge in self.edges:
                here, there = (edge.source, edge.target) if forward else (edge.target, edge.source)
                if here == current and there not in seen:
                    seen.add(there)
                    frontier.append(there)
        return seen

    def _only(self, keep: set[str]) -> Graph:
        return Graph(
            tuple(n for n in self.nodes if n.id in keep),
            tuple(e for e in self.edges if e.source in keep and e.target in keep),
            {k: v for k, v in self.clusters.items() if k in keep},
            {k: tuple(q for q in v if q in keep) for k, v in self.reaches.items() if k in keep},
        )

    def names(self, kind: NodeKind) -> list[str]:
        return [n.name for n in self.nodes if n.kind is kind]


@dataclass(frozen=True)
class Overlay:
    """What the broker says, for `--live`."""

    live: LiveState
    plan: Plan  # `plan(topology, live)`: which objects are missing and which are extra
    activity: Mapping[str, QueueActivity] = field(default_factory=dict)  # by queue name
    consumers: Sequence[WorkerConsumer] = ()


def build(topology: Topology, tasks: Iterable[str] = (), overlay: Overlay | None = None) -> Graph:
    """The picture of `topology`; `tasks`: the task names to show (default: those the file names)."""
    return _Builder(topology, overlay).build(list(tasks) or known_task_names(topology))


class _Builder:
    def __init__(self, topology: Topology, overlay: Overlay | None) -> None:
        self.topology = topology
        self.overlay = overlay
        self.nodes: dict[str, Node] = {}
        self.edges: dict[tuple[str, str, EdgeKind, str], Edge] = {}
        self.clusters: dict[str, str] = {}
        self.presence: dict[Ref, Presence] = {}
        self.dead_lettered: set[str] = set()  # queues with their dead-letter edge (argument, else policy)
        if overlay is not None:
            for change in overlay.plan.changes:
                if change.action in (Action.CREATE, Action.RECREATE) or (
                    change.action is Action.CONFLICT and change.found is None
                ):
                    self.presence[change.ref] = Presence.MISSING
                elif change.action in (Action.EXTRA, Action.DELETE):
                    self.presence[change.ref] = Presence.EXTRA
        # routing through what is on the broker, when it is known; the file's otherwise
        seen_all = overlay is not None and not overlay.live.unseen
        self.routed = live_topology(topology, overlay.live) if seen_all and overlay is not None else topology

    def build(self, names: list[str]) -> Graph:
        for exchange in self.topology.exchanges:
            self._exchange(exchange.name, exchange.type.value, exchange.arguments)
        self._ladder()
        for queue in self.topology.queues:
            self._queue(queue.name, BROADCAST_NOTE if queue.broadcast else queue.type.value, queue.arguments)
        for destination, binding in self.topology.all_bindings():
            ref = Ref.binding(
                binding.exchange, _ref(destination), binding.routing_key, binding_arguments(binding.arguments)
            )
            self._binding(ref, binding.arguments)
        if self.overlay is not None:
            self._extras(self.overlay)
        self._policy_edges()
        reaches = self._tasks(names)
        if self.overlay is not None:
            self._workers(self.overlay.consumers)
        return Graph(tuple(self.nodes.values()), tuple(self.edges.values()), self.clusters, reaches)

    def _presence(self, ref: Ref) -> Presence:
        return self.presence.get(ref, Presence.DECLARED)

    def _exchange(self, name: str, kind: str, arguments: Arguments) -> None:
        ref = Ref(Kind.EXCHANGE, name)
        notes = [kind]
        if kind == ExchangeType.DELAYED_MESSAGE.value:
            notes = [f"{kind} ({arguments.get('x-delayed-type', '?')})"]
        self.nodes[ref_id(ref)] = Node(NodeKind.EXCHANGE, name, self._presence(ref), tuple(notes))
        self.clusters[ref_id(ref)] = name
        alternate = arguments.get(ALTERNATE_EXCHANGE)
        if isinstance(alternate, str):
            self._edge(ref_id(ref), node_id(NodeKind.EXCHANGE, alternate), EdgeKind.ALTERNATE, "unroutable")

    def _ladder(self) -> None:
        """The delay ladder as one node: its levels are one mechanism, not routing to look at. A countdown or
        eta task waits in it and then meets its own exchange, with its own routing key, as the file routes then."""
        delays = self.topology.nets.delays
        if delays is None:
            return
        notes = [f"delay ladder: {delays.levels} levels, up to {delays.longest // 86400} days"]
        presence = Presence.DECLARED
        if self.overlay is not None:
            levels = [self.overlay.live.queues.get(delays.level(k)) for k in range(delays.levels)]
            if any(level is None for level in levels):
                presence = Presence.MISSING
            counts = [level.messages_ready for level in levels if level is not None]
            if counts and None not in counts:
                notes.append(f"delayed {sum(c for c in counts if c is not None)}")
        ladder = Node(NodeKind.EXCHANGE, f"{delays.prefix}.*", presence, tuple(notes))
        self.nodes[ladder.id] = ladder
        for exchange in self.topology.exchanges:
            if exchange.name not in self.topology.nets.keeping:
                self._edge(ladder.id, node_id(NodeKind.EXCHANGE, exchange.name), EdgeKind.DELAYED, "when due")

    def _queue(self, name: str, kind: str, arguments: Arguments) -> None:
        ref = Ref(Kind.QUEUE, name)
        notes = [] if kind == "classic" else [kind]
        if self.overlay is not None and self._presence(ref) is not Presence.MISSING and kind != BROADCAST_NOTE:
            notes.append(_counts(self.overlay, name))
        self.nodes[ref_id(ref)] = Node(NodeKind.QUEUE, name, self._presence(ref), tuple(notes))
        self._dead_letters(name, arguments.get(DEAD_LETTER_EXCHANGE), arguments.get(DEAD_LETTER_ROUTING_KEY))

    def _dead_letters(self, queue: str, exchange: object, routing_key: object) -> None:
        if not isinstance(exchange, str) or node_id(NodeKind.QUEUE, queue) in self.dead_lettered:
            return
        self.dead_lettered.add(node_id(NodeKind.QUEUE, queue))
        key = routing_key if isinstance(routing_key, str) else None
        # the default exchange ('') leads straight to the queue the key names
        target = node_id(NodeKind.QUEUE, key or queue) if exchange == "" else node_id(NodeKind.EXCHANGE, exchange)
        label = "dead letters" + (f" ({key})" if key else "")
        self._edge(node_id(NodeKind.QUEUE, queue), target, EdgeKind.DEAD_LETTER, label)

    def _binding(self, ref: Ref, arguments: Arguments, presence: Presence | None = None) -> None:
        source, destination = ref.endpoints
        exchange = self.topology.exchange(ref.source)
        label = _binding_label(exchange.routing_type if exchange else None, ref.routing_key, arguments)
        kind = EdgeKind.EXCHANGE_BINDING if destination.kind is Kind.EXCHANGE else EdgeKind.BINDING
        self._edge(ref_id(source), ref_id(destination), kind, label, presence or self._presence(ref))
        if destination.kind is Kind.QUEUE:
            self.clusters.setdefault(ref_id(destination), ref.source)

    def _extras(self, overlay: Overlay) -> None:
        for change in overlay.plan.changes:
            if self._presence(change.ref) is not Presence.EXTRA:
                continue
            ref = change.ref
            if ref.kind is Kind.EXCHANGE and ref.name in overlay.live.exchanges:
                found = overlay.live.exchanges[ref.name]
                self._exchange(ref.name, found.type, found.arguments)
            elif ref.kind is Kind.QUEUE and ref.name in overlay.live.queues:
                live_queue = overlay.live.queues[ref.name]
                self._queue(ref.name, live_queue.type, live_queue.arguments)
        for change in overlay.plan.changes:
            ref = change.ref
            if ref.kind is Kind.BINDING and self._presence(ref) is Presence.EXTRA:
                for endpoint in ref.endpoints:
                    self._ensure(endpoint, overlay.live)
                self._binding(ref, dict(ref.arguments), Presence.EXTRA)

    def _ensure(self, ref: Ref, live: LiveState) -> None:
        """An endpoint of an extra binding that is neither in the file nor listed extra (e.g. amq.topic)."""
        if ref_id(ref) in self.nodes:
            return
        if ref.kind is Kind.EXCHANGE:
            found = live.exchanges.get(ref.name)
            self.nodes[ref_id(ref)] = Node(NodeKind.EXCHANGE, ref.name, Presence.EXTRA, (found.type,) if found else ())
        else:
            self.nodes[ref_id(ref)] = Node(NodeKind.QUEUE, ref.name, Presence.EXTRA)

    def _policy_edges(self) -> None:
        """Dead-letter and alternate exchanges set by policy, where no x-argument sets them (arguments win)."""
        for node in list(self.nodes.values()):
            if node.kind is NodeKind.QUEUE:
                definition = _policy_for(self.topology.policies, node.name, "queues")
                self._dead_letters(
                    node.name, definition.get("dead-letter-exchange"), definition.get("dead-letter-routing-key")
                )
            elif node.kind is NodeKind.EXCHANGE and not any(
                e.source == node.id and e.kind is EdgeKind.ALTERNATE for e in self.edges.values()
            ):
                alternate = _policy_for(self.topology.policies, node.name, "exchanges").get("alternate-exchange")
                if isinstance(alternate, str):
                    self._edge(node.id, node_id(NodeKind.EXCHANGE, alternate), EdgeKind.ALTERNATE, "unroutable")

    def _tasks(self, names: list[str]) -> dict[str, tuple[str, ...]]:
        """A node per task name, per pattern route no name shows, and one for the tasks without a route."""
        shown: dict[str, tuple[Route | None, str | None]] = {
            name: (route_for(self.topology, name), name) for name in names
        }
        for route in self.topology.routes:
            if route.regex is not None and not any(route.matches(name) for name in names):
                shown.setdefault(route.pattern, (route, None))
        shown[DEFAULT_RULE] = (None, None)
        return {node_id(NodeKind.TASK, label): self._task(label, *how) for label, how in shown.items()}

    def _task(self, label: str, route: Route | None, name: str | None) -> tuple[str, ...]:
        """The task's node and publish edge; the queues it lands in."""
        task = node_id(NodeKind.TASK, label)
        destination = route_destination(self.topology, route, name)
        if destination is None:
            self.nodes[task] = Node(NodeKind.TASK, label, notes=("its route names nothing declared",))
            return ()
        rule = "default_queue" if route is None else route.pattern
        self.nodes[task] = Node(NodeKind.TASK, label, notes=(f"by {rule}",) if rule != label else ())
        if destination.exchange == "":
            target = node_id(NodeKind.QUEUE, destination.routing_key)
            edge_label = f"default exchange, key {destination.routing_key}"
        else:
            target, edge_label = node_id(NodeKind.EXCHANGE, destination.exchange), destination.routing_key
        self._edge(task, target, EdgeKind.PUBLISH, edge_label)
        delivery = deliver(self.routed, destination.exchange, task_message(destination, name))
        return tuple(node_id(NodeKind.QUEUE, q) for q in delivery.queues)

    def _workers(self, consumers: Sequence[WorkerConsumer]) -> None:
        for each in consumers:
            worker = node_id(NodeKind.WORKER, each.shown)
            notes = tuple(n for n in (each.host and f"host {each.host}", each.pid and f"pid {each.pid}") if n)
            self.nodes.setdefault(worker, Node(NodeKind.WORKER, each.shown, Presence.LIVE, notes))
            queue = node_id(NodeKind.QUEUE, each.consumer.queue)
            if queue not in self.nodes:
                self.nodes[queue] = Node(NodeKind.QUEUE, each.consumer.queue, Presence.EXTRA)
            state = "" if each.consumer.taking_messages else ", not taking messages"
            self._edge(
                queue, worker, EdgeKind.CONSUME, f"prefetch {_shown(each.consumer.prefetch)}{state}", Presence.LIVE
            )

    def _edge(
        self, source: str, target: str, kind: EdgeKind, label: str, presence: Presence = Presence.DECLARED
    ) -> None:
        for end in (source, target):
            if end not in self.nodes:  # named by an argument, declared nowhere: drawn as missing
                kind_name, _, name = end.partition(":")
                self.nodes[end] = Node(NodeKind(kind_name), name, Presence.MISSING, ("not declared",))
        self.edges.setdefault((source, target, kind, label), Edge(source, target, kind, label, presence))


def ref_id(ref: Ref) -> str:
    return node_id(NodeKind.EXCHANGE if ref.kind is Kind.EXCHANGE else NodeKind.QUEUE, ref.name)


def _ref(destination: object) -> Ref:
    return Ref(Kind.QUEUE if isinstance(destination, Queue) else Kind.EXCHANGE, getattr(destination, "name", ""))


def _shown(count: int | None) -> str:
    return "?" if count is None else str(count)


def _binding_label(kind: ExchangeType | None, routing_key: str, arguments: Arguments) -> str:
    if kind is ExchangeType.HEADERS:
        conditions = [f"{k}={show(v)}" for k, v in sorted(arguments.items()) if not k.startswith("x-")]
        joiner = " or " if arguments.get(MATCH) == "any" else " and "
        return joiner.join(conditions) or "(no headers: every message)"
    if kind in (ExchangeType.FANOUT, ExchangeType.CONSISTENT_HASH):
        return "" if kind is ExchangeType.FANOUT else f"weight {routing_key}"
    return routing_key


def _counts(overlay: Overlay, queue: str) -> str:
    activity = overlay.activity.get(queue)
    found = overlay.live.queues.get(queue)
    ready = found.messages_ready if found and found.messages_ready is not None else activity and activity.ready
    consumers = found.consumers if found and found.consumers is not None else activity and activity.consumers
    parts = [f"ready {ready if ready is not None else '?'}"]
    if activity is not None and activity.unacked:
        parts.append(f"unacked {activity.unacked}")
    parts.append(f"consumers {consumers if consumers is not None else '?'}")
    return " · ".join(parts)


def _policy_for(policies: Sequence[Policy], name: str, applies: str) -> Arguments:
    """The definition of the policy RabbitMQ applies to `name`: the highest priority one whose pattern
    matches (an unanchored regular expression, as RabbitMQ's)."""
    matching = [p for p in policies if p.apply_to in (applies, "all") and re.search(p.pattern, name)]
    return max(matching, key=lambda p: p.priority).definition if matching else {}

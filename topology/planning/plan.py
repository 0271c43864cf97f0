"""What `apply` would do: routing.yaml against one read of the live vhost, as a list of changes. Pure.

Every object in the file, and every object on the broker that the file is about, gets one Change.
Conflicts (what RabbitMQ cannot change in place) are found here, before anything is sent, so that
`apply` either makes every change or none. Deleting (`--recreate`, `--prune`) is planned only for
queues known to be empty and unconsumed, and `--prune` only for objects marked with our owner.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum

from topology.model import OWNER_ARGUMENT, Binding, Exchange, Policy, Queue, Topology
from topology.planning.observed import LiveBinding, LiveExchange, LiveQueue, LiveState, binding_arguments

# Objects RabbitMQ and Celery make for themselves: never drift. Celery's worker control (pidbox),
# events and rpc:// replies use these exchanges plus exclusive or auto-delete queues per connection.
CELERY_EXCHANGES = frozenset({"celeryev", "celery.pidbox", "reply.celery.pidbox"})


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"  # policies: RabbitMQ changes them in place
    ENSURE = "ensure"  # a binding that cannot be seen (no management API): bound again, a no-op if it exists
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"  # RabbitMQ cannot make the broker match the file in place: apply refuses
    RECREATE = "recreate"  # --recreate: an empty, unconsumed conflicting queue is deleted and declared again
    EXTRA = "extra"  # on the broker, not in the file: left alone
    DELETE = "delete"  # --prune: an extra object we created

    @property
    def done(self) -> str:
        """The past tense `apply` reports once the change is made."""
        # _value_, not value: Enum.value is a Python-level descriptor, and apply asks 10,000 times
        return _DONE.get(self._value_, self._value_)


_DONE = {"create": "created", "update": "updated", "ensure": "ensured", "recreate": "recreated", "delete": "deleted"}


UNSEEN_BINDING = "not visible without the management API: bound again, which changes nothing where it exists"

PENDING = frozenset({Action.CREATE, Action.UPDATE, Action.ENSURE, Action.RECREATE, Action.DELETE})


@dataclass(frozen=True)
class Mismatch:
    prop: str
    wanted: object
    found: object

    def __str__(self) -> str:
        return f"{self.prop} is {_show(self.found)} on the broker but {_show(self.wanted)} in routing.yaml"


@dataclass(frozen=True)
class BindingTarget:
    """A binding as it goes on the wire: `destination_type` is 'queue' or 'exchange'."""

    destination: str
    destination_type: str
    binding: Binding


Target = Exchange | Queue | BindingTarget | Policy | LiveExchange | LiveQueue | LiveBinding | None


@dataclass(frozen=True)
class Change:
    action: Action
    kind: str  # exchange | queue | binding | policy
    name: str
    detail: str = ""
    mismatches: tuple[Mismatch, ...] = ()
    implied_by: str | None = None  # the subject of the change this one follows from (a new queue's bindings)
    counts_unknown: bool = False  # refused only because nobody has yet asked the queue whether it is empty
    target: Target = field(default=None, compare=False, repr=False)

    @property
    def subject(self) -> str:
        return f"binding {self.name}" if self.kind == "binding" else f"{self.kind} {self.name!r}"


@dataclass(frozen=True)
class PlanOptions:
    recreate: bool = False
    prune: bool = False
    force: bool = False


@dataclass(frozen=True)
class Plan:
    vhost: str
    owner: str
    changes: tuple[Change, ...]
    note: str = ""  # what the plan could not see (`LiveState.unseen`)

    def of(self, *actions: Action) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action in actions)

    @property
    def counts(self) -> dict[str, int]:
        return {a.value: n for a in Action if (n := sum(1 for c in self.changes if c.action is a))}

    @property
    def pending(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action in PENDING)

    @property
    def conflicts(self) -> tuple[Change, ...]:
        return self.of(Action.CONFLICT)

    @property
    def findings(self) -> tuple[Change, ...]:
        """One change per difference a user made: a missing queue's bindings are part of the queue."""
        return tuple(c for c in self.changes if c.action is not Action.UNCHANGED and c.implied_by is None)

    def needs_counts(self) -> tuple[str, ...]:
        """Queues whose plan depends on whether they are empty and unconsumed, and whose counts are unknown."""
        return tuple(c.name for c in self.changes if c.counts_unknown)


NO_OPTIONS = PlanOptions()


@dataclass(frozen=True)
class Wanted:
    """The file's side of a plan, in the broker's terms: independent of what the broker holds, so it can
    be worked out while the broker is being read (a third of a plan's time at 10,000 objects)."""

    bindings: dict[LiveBinding, tuple[BindingTarget, str]]  # each binding as the broker lists it: (target, name)
    exchanges: frozenset[str]
    queues: frozenset[str]


def wanted(topology: Topology) -> Wanted:
    bindings: dict[LiveBinding, tuple[BindingTarget, str]] = {}
    for destination, binding in topology.all_bindings():
        kind = "queue" if isinstance(destination, Queue) else "exchange"
        key = LiveBinding(
            binding.exchange, destination.name, kind, binding.routing_key, binding_arguments(binding.arguments)
        )
        bindings[key] = (BindingTarget(destination.name, kind, binding), binding_name(key))
    exchanges = frozenset(e.name for e in topology.exchanges)
    return Wanted(bindings, exchanges, frozenset(q.name for q in topology.queues))


def plan(topology: Topology, live: LiveState, options: PlanOptions = NO_OPTIONS, wants: Wanted | None = None) -> Plan:
    """`wants`: `wanted(topology)`, if worked out already."""
    wants = wants or wanted(topology)
    owner = topology.owner
    exchanges = [_exchange(e, live) for e in topology.exchanges]
    exchanges += _extra_exchanges(wants, live, owner, options)
    queues = [_queue(q, live.queues.get(q.name), live.vhost, options) for q in topology.queues]
    queues += _extra_queues(wants, live, owner, options)
    # a binding's change can follow only from a change to its exchange or queue: unchanged ones are left out
    endpoints = {c.subject: c for c in [*exchanges, *queues] if c.action is not Action.UNCHANGED}
    bindings = list(_bindings(wants, live, endpoints, owner, options))
    policies = list(_policies(topology, live))
    return Plan(live.vhost, owner, tuple([*policies, *exchanges, *queues, *bindings]), live.unseen)


def _exchange(exchange: Exchange, live: LiveState) -> Change:
    found, vhost = live.exchanges.get(exchange.name), live.vhost
    plugin = exchange.type.plugin
    if found is None and plugin and live.exchange_types is not None and exchange.type.value not in live.exchange_types:
        detail = (
            f"type {exchange.type.value!r} needs the {plugin} plugin, which is not enabled on this broker: "
            f"`rabbitmq-plugins enable {plugin}`, then apply again"
        )
        return Change(Action.CONFLICT, "exchange", exchange.name, detail, target=exchange)
    if found is None:
        return Change(Action.CREATE, "exchange", exchange.name, target=exchange)
    mismatches = _mismatches(
        ("type", exchange.type.value, found.type),
        ("durable", exchange.durable, found.durable),
        ("auto_delete", exchange.auto_delete, found.auto_delete),
        ("internal", exchange.internal, found.internal),
    ) + _argument_mismatches(exchange.arguments, found.arguments)
    if not mismatches:
        return Change(Action.UNCHANGED, "exchange", exchange.name, target=exchange)
    fix = (
        "RabbitMQ cannot change an exchange in place: delete it (management UI, or "
        f"`rabbitmqadmin --vhost={vhost} delete exchange name={exchange.name}`) and apply again, "
        "or make routing.yaml match the broker"
    )
    return Change(Action.CONFLICT, "exchange", exchange.name, _explain(mismatches, fix), mismatches, target=exchange)


def _queue(queue: Queue, found: LiveQueue | None, vhost: str, options: PlanOptions) -> Change:
    if found is None:
        return Change(Action.CREATE, "queue", queue.name, target=queue)
    mismatches = _mismatches(
        ("type", queue.type.value, found.type),
        ("durable", queue.durable, found.durable),
        ("auto_delete", queue.auto_delete, found.auto_delete),
        ("exclusive", False, found.exclusive),
    ) + _argument_mismatches(queue.arguments, found.arguments)
    if not mismatches:
        return Change(Action.UNCHANGED, "queue", queue.name, target=queue)
    if options.recreate:
        refusal = _in_use(found, "--recreate deletes only an empty queue nobody consumes")
        if refusal is None:
            return Change(Action.RECREATE, "queue", queue.name, _explain(mismatches, ""), mismatches, target=queue)
        detail = _explain(mismatches, refusal)
        return Change(Action.CONFLICT, "queue", queue.name, detail, mismatches, None, _unknown(found), queue)
    fix = (
        "RabbitMQ cannot change a queue in place: let workers drain it and run `apply --recreate`, or delete it "
        f"(`rabbitmqctl -p {vhost} delete_queue {queue.name}`) and apply again, or make routing.yaml match the broker"
    )
    return Change(Action.CONFLICT, "queue", queue.name, _explain(mismatches, fix), mismatches, target=queue)


def _in_use(found: LiveQueue, rule: str) -> str | None:
    """Why `found` may not be deleted, or None when it is known to be empty and unconsumed."""
    if _unknown(found):
        return f"{rule} (whether it is empty is not known)"
    if not found.in_use:
        return None
    held = f"holds {found.messages_ready} ready messages and has {found.consumers} consumers"
    return f"{rule}, and it {held}: stop its workers once it is drained, then apply again"


def _unknown(found: LiveQueue) -> bool:
    return found.messages_ready is None or found.consumers is None


def _extra_exchanges(wants: Wanted, live: LiveState, owner: str, options: PlanOptions) -> list[Change]:
    declared = wants.exchanges
    extra = [e for name, e in sorted(live.exchanges.items()) if name not in declared and not _is_broker_own(name)]
    return [_extra("exchange", e.name, e.owner, owner, options, e) for e in extra]


def _extra_queues(wants: Wanted, live: LiveState, owner: str, options: PlanOptions) -> list[Change]:
    changes = []
    for name, found in sorted(live.queues.items()):
        if name in wants.queues or found.exclusive or found.auto_delete:
            continue
        change = _extra("queue", name, found.owner, owner, options, found)
        if change.action is Action.DELETE and not options.force:
            refusal = _in_use(found, "--prune deletes a queue holding messages or consumed only with --force")
            if refusal is not None:
                detail = f"not in routing.yaml; {refusal}"
                change = Change(Action.CONFLICT, "queue", name, detail, counts_unknown=_unknown(found), target=found)
        changes.append(change)
    return changes


def _extra(kind: str, name: str, marked: str | None, owner: str, options: PlanOptions, target: Target) -> Change:
    if marked != owner:
        why = f"made by owner {marked!r}" if marked else f"not made by `apply` (no {OWNER_ARGUMENT})"
        kept = f"; --prune leaves it: {why}" if options.prune else ""
        return Change(Action.EXTRA, kind, name, f"on the broker but not in routing.yaml{kept}", target=target)
    if options.prune:
        return Change(Action.DELETE, kind, name, "not in routing.yaml any more", target=target)
    return Change(Action.EXTRA, kind, name, "on the broker but not in routing.yaml (--prune removes it)", target=target)


def _is_broker_own(exchange: str) -> bool:
    return exchange == "" or exchange.startswith("amq.") or exchange in CELERY_EXCHANGES


def _bindings(
    wants: Wanted, live: LiveState, endpoints: Mapping[str, Change], owner: str, options: PlanOptions
) -> Iterator[Change]:
    for key, (target, name) in wants.bindings.items():
        cause = _endpoint_change(key, endpoints, Action.CREATE, Action.RECREATE, Action.CONFLICT)
        if cause is not None and cause.action is not Action.CONFLICT:
            yield Change(Action.CREATE, "binding", name, implied_by=cause.subject, target=target)
        elif key in live.bindings:
            yield Change(Action.UNCHANGED, "binding", name, target=target)
        elif live.unseen:
            yield Change(Action.ENSURE, "binding", name, UNSEEN_BINDING, target=target)
        else:
            detail = "missing: messages sent this way are dropped"
            yield Change(
                Action.CREATE, "binding", name, detail, implied_by=cause.subject if cause else None, target=target
            )
    for found in sorted(live.bindings - wants.bindings.keys(), key=_binding_order):
        declared = wants.queues if found.destination_type == "queue" else wants.exchanges
        if found.source == "" or not (found.source in wants.exchanges or found.destination in declared):
            continue
        cause = _endpoint_change(found, endpoints, Action.EXTRA, Action.DELETE, Action.CONFLICT)
        change = _extra("binding", binding_name(found), found.owner, owner, options, found)
        implied_by = cause.subject if cause else None
        yield Change(change.action, "binding", change.name, change.detail, implied_by=implied_by, target=found)


def _endpoint_change(binding: LiveBinding, endpoints: Mapping[str, Change], *actions: Action) -> Change | None:
    """The change to the binding's source or destination that this binding follows from, if any."""
    if not endpoints:
        return None
    for subject in (f"exchange {binding.source!r}", f"{binding.destination_type} {binding.destination!r}"):
        change = endpoints.get(subject)
        if change is not None and change.action in actions:
            return change
    return None


def _policies(topology: Topology, live: LiveState) -> Iterator[Change]:
    for policy in topology.policies:
        found = live.policies.get(policy.name)
        if found is None:
            yield Change(Action.CREATE, "policy", policy.name, target=policy)
            continue
        mismatches = _mismatches(
            ("pattern", policy.pattern, found.pattern),
            ("apply-to", policy.apply_to, found.apply_to),
            ("priority", policy.priority, found.priority),
        ) + _argument_mismatches(policy.definition, found.definition)
        action = Action.UPDATE if mismatches else Action.UNCHANGED
        yield Change(action, "policy", policy.name, _explain(mismatches, ""), mismatches, target=policy)
    declared = {p.name for p in topology.policies}
    for name in sorted(set(live.policies) - declared):
        yield Change(Action.EXTRA, "policy", name, "on the broker but not in routing.yaml (policies are never pruned)")


def _mismatches(*properties: tuple[str, object, object]) -> tuple[Mismatch, ...]:
    return tuple(Mismatch(prop, wanted, found) for prop, wanted, found in properties if wanted != found)


class _NotSet:
    def __repr__(self) -> str:
        return "not set"

    __str__ = __repr__


NOT_SET = _NotSet()


def _argument_mismatches(wanted: Mapping[str, object], found: Mapping[str, object]) -> tuple[Mismatch, ...]:
    """One mismatch per x-argument that differs, RabbitMQ's own way of naming what is inequivalent."""
    return _mismatches(*((key, wanted.get(key, NOT_SET), found.get(key, NOT_SET)) for key in sorted({*wanted, *found})))


def _explain(mismatches: tuple[Mismatch, ...], fix: str) -> str:
    differences = "; ".join(map(str, mismatches))
    return f"{differences}. {fix}" if fix else differences


def _show(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in sorted(value.items())) + "}" if value else "none"
    return str(value)


def binding_name(binding: LiveBinding) -> str:
    headers = f", headers {dict(binding.arguments)}" if binding.arguments else ""
    return (
        f"{binding.source!r} -> {binding.destination_type} {binding.destination!r} "
        f"(routing key {binding.routing_key!r}{headers})"
    )


def _binding_order(binding: LiveBinding) -> tuple[str, str, str, str]:
    return (binding.source, binding.destination, binding.routing_key, repr(binding.arguments))

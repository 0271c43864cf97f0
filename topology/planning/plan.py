"""What `apply` would do: routing.yaml against one read of the live vhost, as a list of changes. Pure.

Every object in the file, and every object on the broker that the file is about, gets one Change, keyed
by its Ref. Conflicts (what RabbitMQ cannot change in place) are found here, before anything is sent, so
that `apply` either makes every change or none. Deleting (`--recreate`, `--prune`) is planned only for
queues known to be empty and unconsumed, and `--prune` only for objects marked with our owner.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum

from topology import hints
from topology.checks.versions import Target
from topology.codes import Code
from topology.language.nets import alternatives
from topology.language.schema import POLICY_OPTIONS, QUEUE_OPTIONS
from topology.model import (
    OWNER_ARGUMENT,
    Binding,
    Exchange,
    ExchangeDeclaration,
    Kind,
    Policy,
    Queue,
    QueueDeclaration,
    QueueType,
    Ref,
    Topology,
    binding_arguments,
)
from topology.planning.delivery_limits import DeliveryLimit
from topology.planning.history import ApplyRecord, SinceLastApply
from topology.planning.migration import HOLDING_PREFIX, Migration
from topology.planning.observed import LiveBinding, LiveExchange, LivePolicy, LiveQueue, LiveState
from topology.values import NOT_SET, show

# Objects RabbitMQ and Celery make for themselves: never drift. Celery's worker control (pidbox),
# events and rpc:// replies use these exchanges plus exclusive or auto-delete queues per connection.
CELERY_EXCHANGES = frozenset({"celeryev", "celery.pidbox", "reply.celery.pidbox"})
BROKER_QUEUES = frozenset({"aliveness-test"})
"""Queues RabbitMQ makes for itself: GET /api/aliveness-test/<vhost>, which monitoring calls, declares one."""


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"  # policies: RabbitMQ changes them in place
    ENSURE = "ensure"  # a binding that cannot be seen (no management API): bound again, a no-op if it exists
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"  # RabbitMQ cannot make the broker match the file in place: apply refuses
    RECREATE = "recreate"  # --recreate: an empty, unconsumed conflicting queue is deleted and declared again
    MIGRATE = "migrate"  # --migrate: a conflicting queue declared again, its messages moved out and back
    EXTRA = "extra"  # on the broker, not in the file: left alone
    DELETE = "delete"  # --prune: an extra object we created
    UNAVAILABLE = "unavailable"  # it exists, on a cluster node that is down: nothing can be checked or sent


UNSEEN_BINDING = "not visible without the management API: bound again, which changes nothing where it exists"

POLICY_SETTABLE = {QUEUE_OPTIONS[option]: option for option in POLICY_OPTIONS if option in QUEUE_OPTIONS}
"""The x-arguments a policy can set instead, with the routing.yaml option that names them."""

PENDING = frozenset({Action.CREATE, Action.UPDATE, Action.ENSURE, Action.RECREATE, Action.DELETE, Action.MIGRATE})


@dataclass(frozen=True)
class Mismatch:
    prop: str
    wanted: object
    found: object

    def __str__(self) -> str:
        return f"{self.prop} is {show(self.found)} on the broker but {show(self.wanted)} in routing.yaml"


@dataclass(frozen=True)
class BindingSpec:
    """A binding of the file with the destination it belongs to (bindings are written under it)."""

    ref: Ref
    binding: Binding


Desired = Exchange | Queue | BindingSpec | Policy | None
Found = LiveExchange | LiveQueue | LiveBinding | LivePolicy | None


@dataclass(frozen=True)
class Change:
    """One object's change: what the file wants (`desired`), what the broker holds (`found`), and why."""

    action: Action
    ref: Ref
    detail: str = ""
    mismatches: tuple[Mismatch, ...] = ()
    implied_by: Ref | None = None  # the change this one follows from (a new queue's bindings)
    counts_unknown: bool = False  # refused only because nobody has yet asked the queue whether it is empty
    fix: str = ""  # the command (or edit) that resolves it, when it is not `apply` with the same flags
    desired: Desired = field(default=None, compare=False, repr=False)
    found: Found = field(default=None, compare=False, repr=False)

    @property
    def kind(self) -> Kind:
        return self.ref.kind


@dataclass(frozen=True)
class PlanOptions:
    recreate: bool = False
    prune: bool = False
    force: bool = False  # --recreate and --prune delete queues that hold messages or have consumers
    migrate: bool = False  # --migrate: a conflicting queue is migrated, with its messages and consumers


@dataclass(frozen=True)
class Caution:
    """What is right by the file but fragile on this broker (a classic queue on a cluster): a warning."""

    code: Code
    ref: Ref
    message: str
    fix: str


@dataclass(frozen=True)
class Plan:
    vhost: str
    owner: str
    changes: tuple[Change, ...]
    note: str = ""  # what the plan could not see (`LiveState.unseen`)
    cautions: tuple[Caution, ...] = ()
    since: SinceLastApply | None = None  # what changed since the last apply, when the file's identity is known
    recorded: ApplyRecord | None = None  # the last apply's record, as read with the vhost
    rabbitmq: Target | None = None  # the version whose rules were checked (the broker's, once it is read)
    delivery_limits: tuple[DeliveryLimit, ...] = ()  # of the file's quorum queues, as that version applies them
    migrations: tuple[Migration, ...] = ()  # --migrate: each queue's steps (`planning.migration`)

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

    def declared(self, change: Change) -> tuple[tuple[str, object], ...]:
        """What `apply` declares for a change that creates (or recreates) an object, attribute by attribute:
        a queue's or exchange's properties and x-arguments (x-queue-type as `type`), a binding's header
        arguments, a policy's pattern, target, priority and keys. Our owner marker is the plan's `owner`."""
        if change.action not in (Action.CREATE, Action.RECREATE):
            return ()
        desired = change.desired
        if isinstance(desired, Exchange | Queue):
            declaration = desired.declared()
            return (*declaration.properties(), *sorted(declaration.arguments.items()))
        if isinstance(desired, BindingSpec):
            return tuple(sorted(desired.binding.arguments.items()))
        if isinstance(desired, Policy):
            settings = (("pattern", desired.pattern), ("apply-to", desired.apply_to), ("priority", desired.priority))
            return (*settings, *sorted(desired.definition.items()))
        return ()

    def outline(self) -> str:
        """Each change but `unchanged`, by what it acts on and what differs, as canonical JSON text: two plans
        of one outline send the same operations. A saved plan keeps it, and `apply PLAN` compares it with a
        fresh read before sending anything (figures such as message counts are left out: whether a queue may
        be deleted is its action)."""
        steps = [
            [
                change.action.value,
                [change.kind.value, change.ref.name, change.ref.source, change.ref.routing_key],
                [list(pair) for pair in change.ref.arguments],
                [[m.prop, _plain(m.found), _plain(m.wanted)] for m in change.mismatches],
            ]
            for change in self.changes
            if change.action is not Action.UNCHANGED
        ]
        return json.dumps(steps, sort_keys=True, default=str)

    def needs_counts(self) -> tuple[str, ...]:
        """Queues whose plan depends on whether they are empty and unconsumed, and whose counts are unknown."""
        return tuple(c.ref.name for c in self.changes if c.counts_unknown)


NO_OPTIONS = PlanOptions()


@dataclass(frozen=True)
class Wanted:
    """The file's side of a plan, in the broker's terms: independent of what the broker holds, so it can
    be worked out while the broker is being read (a third of a plan's time on a large vhost)."""

    bindings: dict[LiveBinding, BindingSpec]  # each binding as the broker lists it
    exchanges: frozenset[str]
    queues: frozenset[str]


def wanted(topology: Topology) -> Wanted:
    topology = topology.on_broker
    bindings: dict[LiveBinding, BindingSpec] = {}
    for destination, binding in topology.all_bindings():
        kind = Kind.QUEUE if isinstance(destination, Queue) else Kind.EXCHANGE
        key = LiveBinding(
            binding.exchange, destination.name, kind, binding.routing_key, binding_arguments(binding.arguments)
        )
        bindings[key] = BindingSpec(key.ref, binding)
    exchanges = frozenset(e.name for e in topology.exchanges)
    return Wanted(bindings, exchanges, frozenset(q.name for q in topology.queues))


def plan(topology: Topology, live: LiveState, options: PlanOptions = NO_OPTIONS, wants: Wanted | None = None) -> Plan:
    """`wants`: `wanted(topology)`, if worked out already."""
    wants = wants or wanted(topology)
    topology = topology.on_broker
    owner = topology.owner
    exchanges = [_exchange(e, live) for e in topology.exchanges]
    exchanges += _extra_exchanges(wants, live, owner, options)
    queues = [_queue_on_cluster(q, live, options, topology.policy_for(Kind.QUEUE, q.name)) for q in topology.queues]
    if options.migrate:
        queues = [_migrating(change, live) for change in queues]
    queues += _extra_queues(wants, live, owner, options)
    # a binding's change can follow only from a change to its exchange or queue: unchanged ones are left out
    endpoints = {c.ref: c for c in [*exchanges, *queues] if c.action is not Action.UNCHANGED}
    bindings = list(_bindings(wants, live, endpoints, owner, options))
    policies = list(_policies(topology, live))
    changes = tuple([*policies, *exchanges, *queues, *bindings])
    cautions = tuple(_cluster_cautions(topology, live)) + tuple(_interrupted(live, options))
    migrations = tuple(_migration(c, live, topology) for c in queues if c.action is Action.MIGRATE)
    return Plan(live.vhost, owner, changes, live.unseen, cautions, recorded=live.recorded, migrations=migrations)


def _interrupted(live: LiveState, options: PlanOptions) -> Iterator[Caution]:
    """Without --migrate: a migration left half done, which only `apply --migrate` finishes."""
    if options.migrate:
        return
    for name, recorded in sorted(live.migrating.items()):
        message = (
            f"the migration of queue {name!r} stopped after step {recorded.done} (started {recorded.started_at}): "
            f"its tasks wait in {HOLDING_PREFIX}{name}"
        )
        yield Caution(Code.MIGRATION_INTERRUPTED, Ref(Kind.QUEUE, name), message, f"run `{hints.MIGRATE}`")


def _migrating(change: Change, live: LiveState) -> Change:
    """With --migrate: a queue in conflict only by what a declare cannot change, or one whose migration was
    interrupted (whatever the plan would otherwise say of it: its queue may be gone, between steps 5 and 6)."""
    name = change.ref.name
    recorded = live.migrating.get(name)
    if recorded is not None:
        detail = f"resumes the migration interrupted after step {recorded.done} (started {recorded.started_at})"
        return Change(Action.MIGRATE, change.ref, detail, change.mismatches, desired=change.desired, found=change.found)
    found = change.found
    if change.action in (Action.CONFLICT, Action.RECREATE) and change.mismatches and isinstance(found, LiveQueue):
        detail = "migrated: declared again, its messages moved through a holding queue"
        return Change(
            Action.MIGRATE,
            change.ref,
            detail,
            change.mismatches,
            counts_unknown=_unknown(found),
            desired=change.desired,
            found=found,
        )
    return change


def _migration(change: Change, live: LiveState, topology: Topology) -> Migration:
    found = change.found if isinstance(change.found, LiveQueue) else None
    name = change.ref.name
    recorded = live.migrating.get(name)
    bind = tuple(
        b for destination, b in topology.all_bindings() if isinstance(destination, Queue) and destination.name == name
    )
    unbind = tuple(b for b in live.bindings if b.destination == name and b.destination_type is Kind.QUEUE and b.source)
    held = live.holding.get(name)
    messages = None if found is None else found.messages_ready
    if held is not None and held.messages_ready is not None and messages is not None:
        messages += held.messages_ready
    return Migration(
        name,
        tuple((m.prop, _plain(m.found), _plain(m.wanted)) for m in change.mismatches),
        messages,
        None if found is None else found.consumers,
        recorded.done if recorded is not None else 0,
        change.desired if isinstance(change.desired, Queue) else None,
        bind,
        tuple(sorted(unbind, key=_binding_order)),
    )


def _queue_on_cluster(queue: Queue, live: LiveState, options: PlanOptions, policy: Policy | None) -> Change:
    """A queue that exists on a node that is down is neither missing nor comparable: it comes back with it."""
    found = live.queues.get(queue.name)
    node = live.cluster.unavailable(queue.name) if live.cluster is not None and found is not None else None
    if node is not None:
        ref = Ref(Kind.QUEUE, queue.name)
        detail = f"it lives on node {node}, which is down"
        return Change(Action.UNAVAILABLE, ref, detail, fix=hints.queue_on_down_node(node), desired=queue, found=found)
    return _queue(queue, found, live.vhost, options, policy)


def _cluster_cautions(topology: Topology, live: LiveState) -> Iterator[Caution]:
    """On a cluster, a classic queue lives on one node: when that node stops, so does the queue."""
    if live.cluster is None or live.cluster.size < 2:
        return
    for queue in topology.queues:
        if queue.type is QueueType.CLASSIC and queue.durable:
            message = (
                f"queue {queue.name!r} is classic, so it lives on one node of this {live.cluster.size}-node "
                "cluster and stops with it: it is not replicated"
            )
            yield Caution(Code.CLASSIC_NOT_REPLICATED, Ref(Kind.QUEUE, queue.name), message, hints.REPLICATE)


def _differences(
    wanted: ExchangeDeclaration | QueueDeclaration, found: ExchangeDeclaration | QueueDeclaration
) -> tuple[Mismatch, ...]:
    """Every property and x-argument in which the broker's object differs from the declared one."""
    pairs = zip(wanted.properties(), found.properties(), strict=True)
    return _mismatches(*((prop, want, have) for (prop, want), (_, have) in pairs)) + _argument_mismatches(
        wanted.arguments, found.arguments
    )


def _exchange(exchange: Exchange, live: LiveState) -> Change:
    found, vhost = live.exchanges.get(exchange.name), live.vhost
    ref = Ref(Kind.EXCHANGE, exchange.name)
    plugin = exchange.type.plugin
    if found is None and plugin and live.exchange_types is not None and exchange.type.value not in live.exchange_types:
        detail = (
            f"type {exchange.type.value!r} needs the {plugin} plugin, which is not enabled on this broker: "
            f"{hints.enable_plugin(plugin)}"
        )
        return Change(Action.CONFLICT, ref, detail, desired=exchange)
    if found is None:
        return Change(Action.CREATE, ref, desired=exchange)
    mismatches = _differences(exchange.declared(), found)
    if not mismatches:
        return Change(Action.UNCHANGED, ref, desired=exchange, found=found)
    fix = (
        f"RabbitMQ cannot change an exchange in place: delete it (management UI, or "
        f"{hints.delete_exchange(vhost, exchange.name)}) and run `{hints.APPLY}` again, or make routing.yaml "
        "match the broker"
    )
    return Change(Action.CONFLICT, ref, _explain(mismatches), mismatches, desired=exchange, found=found, fix=fix)


def _queue(queue: Queue, found: LiveQueue | None, vhost: str, options: PlanOptions, policy: Policy | None) -> Change:
    """`policy`: the file's policy in effect on the queue, if any."""
    ref = Ref(Kind.QUEUE, queue.name)
    if found is None:
        return Change(Action.CREATE, ref, desired=queue)
    mismatches = _differences(queue.declared(), found)
    if not mismatches:
        return Change(Action.UNCHANGED, ref, desired=queue, found=found)
    moved = _moved_to_policy(mismatches, policy)
    by_policy = "; ".join(_by_policy(m for m in mismatches if m.prop not in moved))
    if options.recreate:
        rerun = hints.apply_with("--recreate")
        rule = "--recreate deletes only an empty queue nobody consumes, unless --force"
        refusal = None if options.force else _in_use(found, rule, vhost, rerun)
        if refusal is None:
            return Change(Action.RECREATE, ref, _explain(mismatches), mismatches, desired=queue, found=found)
        rule, fix = refusal
        detail = f"{_explain(mismatches)}; {rule}"
        fix = f"{fix}, {by_policy}" if by_policy else fix
        return Change(
            Action.CONFLICT,
            ref,
            detail,
            mismatches,
            counts_unknown=_unknown(found),
            desired=queue,
            found=found,
            fix=fix,
        )
    fix = (
        f"RabbitMQ cannot change a queue in place: run `{hints.apply_with('--recreate')}` (it deletes the queue "
        f"once it is empty and unconsumed, and declares it again), or delete it "
        f"({hints.delete_queue(vhost, queue.name)}) and run `{hints.APPLY}`, or make routing.yaml match the broker"
    )
    if moved and policy is not None:
        fix = f"{hints.moved_to_policy(moved, policy.name)}; or delete it ({hints.delete_queue(vhost, queue.name)})"
    fix = f"{fix}, {by_policy}" if by_policy else fix
    return Change(Action.CONFLICT, ref, _explain(mismatches), mismatches, desired=queue, found=found, fix=fix)


def _moved_to_policy(mismatches: tuple[Mismatch, ...], policy: Policy | None) -> list[str]:
    """The x-arguments the queue was declared with that the file now leaves to its policy: only deleting the
    queue takes them off (a policy never removes an argument, and RabbitMQ compares them on every declare)."""
    if policy is None:
        return []
    return [
        m.prop
        for m in mismatches
        if m.prop in POLICY_SETTABLE and m.wanted is NOT_SET and m.prop.removeprefix("x-") in policy.definition
    ]


def _by_policy(mismatches: Iterable[Mismatch]) -> Iterator[str]:
    """The policy alternative for each differing x-argument that a policy can set."""
    for mismatch in mismatches:
        option = POLICY_SETTABLE.get(mismatch.prop)
        if option is not None:
            yield hints.by_policy(mismatch.prop, option)


def _in_use(found: LiveQueue, rule: str, vhost: str, rerun: str) -> tuple[str, str] | None:
    """Why `found` may not be deleted and what to do about it, or None when it is known to be empty and
    unconsumed. A stream is never known to be: it keeps what it is sent after it is read, and its passive
    declare reports no messages whatever it holds."""
    if found.type == QueueType.STREAM.value:
        why = f"{rule}: a stream keeps its messages once read, and AMQP cannot count them"
        return why, f"run `{rerun} --force` to delete it with its messages, or make routing.yaml match the broker"
    if _unknown(found):
        return f"{rule} (whether it is empty is not known)", f"run `{rerun}` again once the broker answers"
    if not found.in_use:
        return None
    messages, consumers = found.messages_ready or 0, found.consumers or 0
    held = f"it holds {hints.counted(messages, 'ready message')} and has {hints.counted(consumers, 'consumer')}"
    forced = f"or run `{rerun} --force` to delete it anyway"
    return f"{rule}, and {held}", f"{hints.free_queue(vhost, found.name, messages, consumers, rerun)}, {forced}"


def _unknown(found: LiveQueue) -> bool:
    return found.messages_ready is None or found.consumers is None


def _extra_exchanges(wants: Wanted, live: LiveState, owner: str, options: PlanOptions) -> list[Change]:
    declared = wants.exchanges
    extra = [e for name, e in sorted(live.exchanges.items()) if name not in declared and not _is_broker_own(name)]
    return [_extra(Ref(Kind.EXCHANGE, e.name), e.owner, owner, options, e) for e in extra]


def _extra_queues(wants: Wanted, live: LiveState, owner: str, options: PlanOptions) -> list[Change]:
    changes = []
    for name, found in sorted(live.queues.items()):
        if name in wants.queues or name in BROKER_QUEUES or found.exclusive or found.auto_delete:
            continue
        change = _extra(Ref(Kind.QUEUE, name), found.owner, owner, options, found)
        node = live.cluster.unavailable(name) if live.cluster is not None else None
        if node is not None and change.action is Action.DELETE:  # not even --force: it cannot be reached
            detail = (
                f"it lives on node {node}, which is down (not in routing.yaml: --prune can delete it once it is back)"
            )
            change = Change(Action.UNAVAILABLE, change.ref, detail, found=found, fix=hints.node_down(node))
        elif change.action is Action.DELETE and not options.force:
            rule = "--prune deletes a queue holding messages or consumed only with --force"
            refusal = _in_use(found, rule, live.vhost, hints.apply_with("--prune"))
            if refusal is not None:
                detail, fix = f"not in routing.yaml; {refusal[0]}", refusal[1]
                change = Change(
                    Action.CONFLICT, change.ref, detail, counts_unknown=_unknown(found), found=found, fix=fix
                )
        changes.append(change)
    return changes


def _extra(ref: Ref, marked: str | None, owner: str, options: PlanOptions, found: Found) -> Change:
    if marked != owner:
        why = f"made by owner {marked!r}" if marked else f"not made by `apply` (no {OWNER_ARGUMENT})"
        kept = f"; --prune leaves it: {why}" if options.prune else f" ({why}: --prune leaves it)"
        fix = "delete it by hand or add it to routing.yaml"
        return Change(Action.EXTRA, ref, f"on the broker but not in routing.yaml{kept}", found=found, fix=fix)
    if options.prune:
        return Change(Action.DELETE, ref, "not in routing.yaml any more", found=found)
    fix = f"run `{hints.apply_with('--prune')}` to delete it, or add it to routing.yaml"
    return Change(Action.EXTRA, ref, "on the broker but not in routing.yaml", found=found, fix=fix)


def _is_broker_own(exchange: str) -> bool:
    return exchange == "" or exchange.startswith("amq.") or exchange in CELERY_EXCHANGES


def _bindings(
    wants: Wanted, live: LiveState, endpoints: Mapping[Ref, Change], owner: str, options: PlanOptions
) -> Iterator[Change]:
    for key, spec in wants.bindings.items():
        ref = spec.ref
        cause = _endpoint_change(
            ref, endpoints, Action.CREATE, Action.RECREATE, Action.CONFLICT, Action.UNAVAILABLE, Action.MIGRATE
        )
        if cause is not None and cause.action is Action.MIGRATE:  # the migration unbinds and binds it
            yield Change(Action.MIGRATE, ref, implied_by=cause.ref, desired=spec)
        elif cause is not None and cause.action in (Action.CREATE, Action.RECREATE):
            yield Change(Action.CREATE, ref, implied_by=cause.ref, desired=spec)
        elif key in live.bindings:
            yield Change(Action.UNCHANGED, ref, desired=spec)
        elif cause is not None and cause.action is Action.UNAVAILABLE:  # RabbitMQ hides its bindings meanwhile
            yield Change(Action.UNAVAILABLE, ref, cause.detail, implied_by=cause.ref, desired=spec)
        elif live.unseen:
            yield Change(Action.ENSURE, ref, UNSEEN_BINDING, desired=spec)
        else:
            detail = "missing: messages sent this way are dropped"
            yield Change(Action.CREATE, ref, detail, implied_by=cause.ref if cause else None, desired=spec)
    for found in sorted(live.bindings - wants.bindings.keys(), key=_binding_order):
        declared = wants.queues if found.destination_type is Kind.QUEUE else wants.exchanges
        if found.source == "" or not (found.source in wants.exchanges or found.destination in declared):
            continue
        ref = found.ref
        cause = _endpoint_change(ref, endpoints, Action.EXTRA, Action.DELETE, Action.CONFLICT, Action.MIGRATE)
        if cause is not None and cause.action is Action.MIGRATE:  # the old queue's: gone with it
            yield Change(Action.MIGRATE, ref, "not in routing.yaml: not bound again", implied_by=cause.ref, found=found)
            continue
        change = _extra(ref, found.owner, owner, options, found)
        yield Change(change.action, ref, change.detail, implied_by=cause.ref if cause else None, found=found)


def _endpoint_change(binding: Ref, endpoints: Mapping[Ref, Change], *actions: Action) -> Change | None:
    """The change to the binding's source or destination that this binding follows from, if any."""
    if not endpoints:
        return None
    for endpoint in binding.endpoints:
        change = endpoints.get(endpoint)
        if change is not None and change.action in actions:
            return change
    return None


def _policies(topology: Topology, live: LiveState) -> Iterator[Change]:
    for policy in topology.policies:
        ref = Ref(Kind.POLICY, policy.name)
        found = live.policies.get(policy.name)
        merged = _net_keys_said(policy)
        if found is None:
            yield Change(Action.CREATE, ref, merged, desired=policy)
            continue
        pattern = () if _same_pattern(policy.pattern, found.pattern) else (("pattern", policy.pattern, found.pattern),)
        mismatches = _mismatches(
            *pattern,
            ("apply-to", policy.apply_to, found.apply_to),
            ("priority", policy.priority, found.priority),
        ) + _argument_mismatches(policy.definition, found.definition)
        action = Action.UPDATE if mismatches else Action.UNCHANGED
        detail = "; ".join(filter(None, (_explain(mismatches), merged if mismatches else "")))
        yield Change(action, ref, detail, mismatches, desired=policy, found=found)
    declared = {p.name for p in topology.policies}
    for name in sorted(set(live.policies) - declared):
        detail = "on the broker but not in routing.yaml (policies are never pruned)"
        fix = f"delete it ({hints.clear_policy(live.vhost, name)}) or add it to routing.yaml"
        yield Change(Action.EXTRA, Ref(Kind.POLICY, name), detail, found=live.policies[name], fix=fix)


def _same_pattern(wanted: str, found: str) -> bool:
    """The same text, or the same list of names in another order (`language.nets.alternatives`)."""
    listed = alternatives(wanted)
    return wanted == found or (listed is not None and listed == alternatives(found))


def _net_keys_said(policy: Policy) -> str:
    """What the nets put into a policy of the file: it now applies them to every object its pattern matches."""
    if not policy.net_keys or policy.origin is None:
        return ""  # a net's own policy, or none
    keys = ", ".join(f"{key}={show(policy.definition[key])}" for key in policy.net_keys)
    return f"{keys} merged in by the nets (one policy applies to an object): for all that {policy.pattern!r} matches"


def _plain(value: object) -> object:
    return None if value is NOT_SET else value


def _mismatches(*properties: tuple[str, object, object]) -> tuple[Mismatch, ...]:
    return tuple(Mismatch(prop, wanted, found) for prop, wanted, found in properties if wanted != found)


def _argument_mismatches(wanted: Mapping[str, object], found: Mapping[str, object]) -> tuple[Mismatch, ...]:
    """One mismatch per x-argument that differs, RabbitMQ's own way of naming what is inequivalent."""
    return _mismatches(*((key, wanted.get(key, NOT_SET), found.get(key, NOT_SET)) for key in sorted({*wanted, *found})))


def _explain(mismatches: tuple[Mismatch, ...]) -> str:
    return "; ".join(map(str, mismatches))


def _binding_order(binding: LiveBinding) -> tuple[str, str, str, str]:
    return (binding.source, binding.destination, binding.routing_key, repr(binding.arguments))

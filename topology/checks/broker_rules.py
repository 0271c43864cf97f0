"""RabbitMQ's own rules for queues, exchanges and bindings, checked before anything is declared.

Each rule here is one that would otherwise surface at `apply` time as a 406 PRECONDITION_FAILED (or,
for an unknown exchange type, a 503 that closes the whole connection), or as a binding that silently
matches nothing. What differs between RabbitMQ versions (which x-argument each queue type accepts,
removed features, policy keys) comes from the target version's table in `checks.versions`.
Pure: takes a Topology and the rules of a version, yields Problems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from topology.checks.versions import VersionRules
from topology.hints import MIGRATE
from topology.model import (
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_ROUTING_KEY,
    DELAYED_TYPE,
    MATCH,
    Binding,
    Exchange,
    ExchangeType,
    Kind,
    Origin,
    Policy,
    Problem,
    Queue,
    QueueType,
    Severity,
    Topology,
)

CLASSIC, QUORUM, STREAM = QueueType.CLASSIC, QueueType.QUORUM, QueueType.STREAM

OVERFLOW = {
    CLASSIC: ("drop-head", "reject-publish", "reject-publish-dlx"),
    QUORUM: ("drop-head", "reject-publish"),  # 3.10 accepts reject-publish-dlx but quorum queues do not implement it
}


def _whole(low: int, high: int | None = None) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return "should be a whole number"
        if value < low or (high is not None and value > high):
            return f"should be between {low} and {high}" if high is not None else f"should be at least {low}"
        return None

    return check


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "should be true or false"


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) else "should be text"


VALUE_RULES: dict[str, Callable[[Any], str | None]] = {
    "x-expires": _whole(1),
    "x-message-ttl": _whole(0),
    "x-max-length": _whole(0),
    "x-max-length-bytes": _whole(0),
    "x-max-priority": _whole(1, 255),
    "x-delivery-limit": _whole(0),
    "x-single-active-consumer": _boolean,
    "x-overflow": _text,
    DEAD_LETTER_EXCHANGE: _text,
    DEAD_LETTER_ROUTING_KEY: _text,
    "x-max-age": _text,
}
"""Values RabbitMQ accepts for arguments written raw (named options are typed by the schema)."""


def check_broker_rules(topology: Topology, rules: VersionRules) -> Iterator[Problem]:
    for queue in topology.queues:
        yield from _queue_rules(queue, rules)
    for policy in topology.policies:
        yield from _policy_rules(policy, rules, topology)
    for exchange in topology.exchanges:
        yield from _exchange_rules(exchange)
    for destination, binding in topology.all_bindings():
        source = topology.exchange(binding.exchange)
        if source is not None:
            yield from _binding_rules(source, destination.name, binding)


def _at(queue: Queue | Exchange, setting: str) -> Origin | None:
    return queue.origins.get(setting, queue.origin)


def _policy_rules(policy: Policy, rules: VersionRules, topology: Topology) -> Iterator[Problem]:
    for key in policy.definition:
        why = rules.refused_policy_key(key)
        if why is not None:
            said = f"policy {policy.name!r}: RabbitMQ {rules.series} refuses the policy key {key!r}: {why}"
            yield Problem(f"{said}{_quorum_equivalent(policy, key, topology)}", policy.origin)


def _quorum_equivalent(policy: Policy, key: str, topology: Topology) -> str:
    """For a mirroring key: the classic queues the policy mirrors, and what to write instead."""
    if not key.startswith("ha-"):
        return ""
    mirrored = [q.name for q in topology.queues if q.type is CLASSIC and policy.applies_to(Kind.QUEUE, q.name)]
    if not mirrored:
        return ""
    written = ", ".join(f"`{name}: {{type: quorum}}`" for name in mirrored)
    return f"; the quorum equivalent of what it mirrors: {written}, and the ha-* keys taken out; then `{MIGRATE}`"


def _queue_rules(queue: Queue, rules: VersionRules) -> Iterator[Problem]:
    kind = queue.type.value
    if queue.type is not CLASSIC:
        if not queue.durable:
            yield Problem(
                f"{kind} queue {queue.name!r} must be durable: RabbitMQ refuses durable: false", _at(queue, "durable")
            )
        if queue.auto_delete:
            yield Problem(
                f"{kind} queue {queue.name!r} cannot be auto_delete: RabbitMQ refuses it", _at(queue, "auto_delete")
            )
    for argument, value in queue.arguments.items():
        ignored = rules.ignored_arguments.get(argument)
        if ignored is not None:
            message = f"queue {queue.name!r}: {argument} does nothing here: {ignored}"
            yield Problem(message, _at(queue, argument), Severity.WARNING)
            continue
        accepted = rules.queue_arguments.get(argument)
        if accepted is not None and queue.type not in accepted:
            which = " and ".join(sorted(t.value for t in accepted))
            yield Problem(
                f"{argument} is not accepted on {kind} queues (only on {which}): RabbitMQ would refuse "
                f"queue {queue.name!r}",
                _at(queue, argument),
            )
            continue
        closing = rules.closing_arguments.get(argument)
        refused = rules.refused_values.get((argument, value)) if isinstance(value, (str, int)) else None
        if closing is not None or refused is not None:
            yield Problem(f"queue {queue.name!r}: {argument}: {closing or refused}", _at(queue, argument))
            continue
        wrong = VALUE_RULES[argument](value) if argument in VALUE_RULES else None
        if wrong:
            yield Problem(f"{argument} {wrong}, got {value!r}", _at(queue, argument))
    yield from _overflow_rules(queue)
    if DEAD_LETTER_ROUTING_KEY in queue.arguments and DEAD_LETTER_EXCHANGE not in queue.arguments:
        yield Problem(
            f"queue {queue.name!r} has a dead_letter_routing_key but no dead_letter_exchange: RabbitMQ refuses that "
            "(use dead_letter_exchange: '' for the default exchange)",
            _at(queue, DEAD_LETTER_ROUTING_KEY),
        )
    if (
        queue.arguments.get("x-dead-letter-strategy") == "at-least-once"
        and queue.arguments.get("x-overflow") != "reject-publish"
    ):
        yield Problem(
            f"queue {queue.name!r}: dead_letter_strategy at-least-once only works with overflow: reject-publish; "
            "RabbitMQ falls back to at-most-once otherwise",
            _at(queue, "x-dead-letter-strategy"),
            Severity.WARNING,
        )


def _overflow_rules(queue: Queue) -> Iterator[Problem]:
    overflow = queue.arguments.get("x-overflow")
    allowed = OVERFLOW.get(queue.type)
    if isinstance(overflow, str) and allowed is not None and overflow not in allowed:
        yield Problem(
            f"overflow {overflow!r} is not supported on {queue.type.value} queues (use one of: {', '.join(allowed)})",
            _at(queue, "x-overflow"),
        )


def _exchange_rules(exchange: Exchange) -> Iterator[Problem]:
    delayed = exchange.arguments.get(DELAYED_TYPE)
    if exchange.type is ExchangeType.DELAYED_MESSAGE and exchange.routing_type is None:
        yield Problem(
            f"x-delayed-message exchange {exchange.name!r} needs delayed_type (direct, topic, fanout or headers): "
            "how it routes once the delay is over",
            exchange.origin,
        )
    if exchange.type is not ExchangeType.DELAYED_MESSAGE and delayed is not None:
        yield Problem(
            f"delayed_type only applies to x-delayed-message exchanges; {exchange.name!r} is {exchange.type.value}",
            _at(exchange, DELAYED_TYPE),
        )


def _binding_rules(source: Exchange, destination: str, binding: Binding) -> Iterator[Problem]:
    kind = source.routing_type
    where = f"binding of {destination!r} to exchange {source.name!r}"
    if kind is ExchangeType.HEADERS:
        if not [key for key in binding.arguments if key != MATCH]:
            yield Problem(
                f"{where} has no headers to match: on a headers exchange it would take every message "
                "(add headers: {...}, or bind to a fanout exchange)",
                binding.origin,
            )
        for key in binding.arguments:
            if key.startswith("x-") and key != MATCH:
                yield Problem(
                    f"{where}: header {key!r} starts with 'x-', which RabbitMQ does not match on", binding.origin
                )
    elif binding.arguments:
        yield Problem(
            f"{where}: match/headers only apply to headers exchanges; {source.name!r} is "
            f"{kind.value if kind else source.type.value}",
            binding.origin,
        )
    if source.type is ExchangeType.CONSISTENT_HASH and not (
        binding.routing_key.isdigit() and int(binding.routing_key) > 0
    ):
        yield Problem(
            f"{where}: on an x-consistent-hash exchange the routing key is the binding's weight, a whole number "
            f"above 0, got {binding.routing_key!r}",
            binding.origin,
        )

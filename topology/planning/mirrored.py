"""Classic queues as RabbitMQ 3.x left them, and what 4.x makes of them: mirrored by an `ha-*` policy
(mirroring was removed in 4.0: the policy is refused, the queue no longer replicated), or declared with an
argument 4.x refuses or ignores. For `inspect` and `adopt`; each finding names the quorum equivalent and the
command that gets there (`apply --migrate`). Pure.
"""

from __future__ import annotations

from collections.abc import Iterator

from topology import hints
from topology.codes import Code
from topology.model import Kind, Policy, QueueType, Ref
from topology.planning.findings import Finding
from topology.planning.observed import LiveQueue, LiveState

HA_PREFIX = "ha-"
CHANGED_BY_4 = {
    "x-queue-master-locator": (
        "RabbitMQ 4.x refuses it (4.3 closes the connection of a declare carrying it): a quorum queue places its "
        "leader by x-queue-leader-locator"
    ),
    "x-queue-mode": (
        "RabbitMQ ignores it since 3.12 (classic queues version 2 keep their messages on disk anyway), and a quorum "
        "queue refuses it"
    ),
}
"""Classic queue arguments that RabbitMQ 4.x refuses or treats differently, and how."""


def mirrored_policy(live: LiveState, queue: str) -> Policy | None:
    """The policy in effect on `queue` (the highest priority of those that apply), if it mirrors."""
    policies = [
        Policy(p.name, p.pattern, p.definition, p.priority, p.apply_to)
        for p in live.policies.values()
        if p.apply_to in ("queues", "all")
    ]
    applying = [p for p in policies if p.applies_to(Kind.QUEUE, queue)]
    effective = max(applying, key=lambda p: p.priority) if applying else None
    mirrors = effective is not None and any(key.startswith(HA_PREFIX) for key in effective.definition)
    return effective if mirrors else None


def mirrored_findings(live: LiveState) -> Iterator[Finding]:
    for name, queue in sorted(live.queues.items()):
        if queue.type == QueueType.CLASSIC.value:
            yield from _classic_findings(live, name, queue)


def _classic_findings(live: LiveState, name: str, queue: LiveQueue) -> Iterator[Finding]:
    ref = Ref(Kind.QUEUE, name)
    fix = f"make it `{name}: {{type: quorum}}` in routing.yaml, then run `{hints.MIGRATE}` (it moves its tasks live)"
    policy = mirrored_policy(live, name)
    if policy is not None:
        keys = ", ".join(f"{k}={v}" for k, v in sorted(policy.definition.items()) if k.startswith(HA_PREFIX))
        message = (
            f"queue {name!r} is mirrored by policy {policy.name!r} ({keys}): RabbitMQ 4.0 removed classic queue "
            "mirroring (the policy is refused, the queue is no longer replicated); its equivalent is a quorum queue"
        )
        yield Finding(Code.MIRRORED_QUEUE, ref, message, fix)
    for argument in sorted(set(queue.arguments) & CHANGED_BY_4.keys()):
        message = f"queue {name!r} is declared with {argument}: {CHANGED_BY_4[argument]}"
        yield Finding(Code.CLASSIC_ARGUMENT_DROPPED, ref, message, fix)

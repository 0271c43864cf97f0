"""The delivery limit each quorum queue of the file works with: RabbitMQ redelivers a message that many
times, then dead-letters or drops it. Since RabbitMQ 4.0 a quorum queue has a default limit that neither
its arguments nor the vhost's definitions show, so plan and inspect say which limit is in effect and why.
Pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from topology.checks.versions import VersionRules
from topology.model import Kind, QueueType, Topology

DELIVERY_LIMIT_ARGUMENT = "x-delivery-limit"
DELIVERY_LIMIT_POLICY_KEY = "delivery-limit"


class LimitFrom(Enum):
    ARGUMENT = "argument"  # delivery_limit on the queue (x-delivery-limit)
    POLICY = "policy"  # a policy of the file that applies to the queue
    DEFAULT = "default"  # the broker version's default (None there: unlimited)


@dataclass(frozen=True)
class DeliveryLimit:
    queue: str
    limit: int | None  # None: unlimited
    source: LimitFrom

    @property
    def shown(self) -> str:
        limit = "unlimited" if self.limit is None else str(self.limit)
        why = {LimitFrom.ARGUMENT: "its delivery_limit", LimitFrom.POLICY: "a policy"}.get(self.source)
        return f"{self.queue} {limit} ({why or 'RabbitMQ default'})"


def delivery_limits(topology: Topology, rules: VersionRules) -> tuple[DeliveryLimit, ...]:
    """Each quorum queue's limit: the lower of its own argument and a policy's, as RabbitMQ takes them,
    else the version's default."""
    limits = []
    for queue in topology.queues:
        if queue.type is not QueueType.QUORUM:
            continue
        own = queue.arguments.get(DELIVERY_LIMIT_ARGUMENT)
        policy = topology.policy_for(Kind.QUEUE, queue.name)
        by_policy = policy.definition.get(DELIVERY_LIMIT_POLICY_KEY) if policy is not None else None
        if isinstance(own, int) and isinstance(by_policy, int):
            limits.append(
                DeliveryLimit(
                    queue.name, min(own, by_policy), LimitFrom.ARGUMENT if own <= by_policy else LimitFrom.POLICY
                )
            )
        elif isinstance(own, int):
            limits.append(DeliveryLimit(queue.name, own, LimitFrom.ARGUMENT))
        elif isinstance(by_policy, int):
            limits.append(DeliveryLimit(queue.name, by_policy, LimitFrom.POLICY))
        else:
            limits.append(DeliveryLimit(queue.name, rules.default_delivery_limit, LimitFrom.DEFAULT))
    return tuple(limits)

"""What RabbitMQ accepts, version by version: one frozen table per supported release series.

Each row was read off a broker of that series by declaring it (`tests/live/test_broker_rules.py` runs
the same declares against each version's own node and checks the table): every x-argument on every queue
type, with a valid value; the values a series refuses; the policy keys its management API refuses; what its
definitions export leaves out; which AMQP permission a passive declare takes. The broker's version picks
the table when there is a broker; `validate` without one takes the file's `rabbitmq:` target, or
`--rabbitmq-version`, or the newest series.
Pure data and a lookup: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from topology.model import CONSUMER_TIMEOUT, DEAD_LETTER_EXCHANGE, DEAD_LETTER_ROUTING_KEY, QueueType

CLASSIC, QUORUM, STREAM = QueueType.CLASSIC, QueueType.QUORUM, QueueType.STREAM
ALL_TYPES = frozenset(QueueType)


class TargetFrom(Enum):
    """Where the version the rules were checked against came from (said in validate's output)."""

    BROKER = "broker"
    FLAG = "flag"  # --rabbitmq-version
    FILE = "file"  # `rabbitmq:` in routing.yaml
    DEFAULT = "default"  # the newest supported series


@dataclass(frozen=True)
class VersionRules:
    """RabbitMQ's rules as one release series applies them.

    `queue_arguments`: the queue types that accept each x-argument (the others refuse it: PRECONDITION_FAILED).
    `refused_values`: argument values the series refuses on every queue type, with why.
    `closing_arguments`: arguments whose use closes the whole connection (a deprecated feature RabbitMQ no
    longer permits: INTERNAL_ERROR), with why.
    `refused_policy_keys`: policy keys the management API refuses (a validation failure), with why.
    `default_delivery_limit`: the delivery limit a quorum queue gets when neither an argument nor a policy
    sets one (None: unlimited), which definitions do not show.
    `passive_declare_permission`: the AMQP permission a passive declare (how counts are read live) needs
    ("" for none).
    `definitions_list_internal_exchanges`: whether GET /api/definitions/<vhost> lists internal exchanges.
    `deprecated_features`: the deprecated features Celery's clients and workers may use, by their deprecation
    phase (`GET /api/deprecated-features`; none before 4.0)."""

    series: str
    queue_arguments: Mapping[str, frozenset[QueueType]]
    refused_values: Mapping[tuple[str, object], str] = field(default_factory=dict)
    closing_arguments: Mapping[str, str] = field(default_factory=dict)
    refused_policy_keys: Mapping[str, str] = field(default_factory=dict)
    ignored_arguments: Mapping[str, str] = field(default_factory=dict)
    """Queue arguments the series accepts and does nothing with, and what to do instead."""
    default_delivery_limit: int | None = None
    passive_declare_permission: str = ""
    definitions_list_internal_exchanges: bool = True
    deprecated_features: Mapping[str, str] = field(default_factory=dict)

    def refused_policy_key(self, key: str) -> str | None:
        """Why this series refuses policy key `key` (None: it accepts it)."""
        for refused, why in self.refused_policy_keys.items():
            if key == refused or (refused.endswith("*") and key.startswith(refused[:-1])):
                return why
        return None


# RabbitMQ 3.10.8 (the host's): every argument declared on every queue type; x-queue-leader-locator was
# refused on classic queues, x-queue-master-locator accepted on them.
ARGUMENTS_3_10: Mapping[str, frozenset[QueueType]] = {
    "x-expires": frozenset({CLASSIC, QUORUM}),
    "x-message-ttl": frozenset({CLASSIC, QUORUM}),
    DEAD_LETTER_EXCHANGE: frozenset({CLASSIC, QUORUM}),
    DEAD_LETTER_ROUTING_KEY: frozenset({CLASSIC, QUORUM}),
    "x-max-length": frozenset({CLASSIC, QUORUM}),
    "x-max-length-bytes": ALL_TYPES,
    "x-max-priority": frozenset({CLASSIC}),
    "x-overflow": frozenset({CLASSIC, QUORUM}),
    "x-queue-mode": frozenset({CLASSIC}),
    "x-queue-version": frozenset({CLASSIC}),
    "x-single-active-consumer": frozenset({CLASSIC, QUORUM}),
    "x-queue-master-locator": frozenset({CLASSIC}),
    "x-dead-letter-strategy": frozenset({QUORUM}),
    "x-delivery-limit": frozenset({QUORUM}),
    "x-quorum-initial-group-size": frozenset({QUORUM}),
    "x-max-in-memory-length": frozenset({QUORUM}),
    "x-max-in-memory-bytes": frozenset({QUORUM}),
    "x-max-age": frozenset({STREAM}),
    "x-stream-max-segment-size-bytes": frozenset({STREAM}),
    "x-initial-cluster-size": frozenset({STREAM}),
    "x-queue-leader-locator": frozenset({QUORUM, STREAM}),
}

# RabbitMQ 4.0.5 (Debian trixie): as 3.10, but classic queues accept x-queue-leader-locator too, and every queue
# type a consumer timeout of its own (3.10 has none: it ignores the argument and refuses the policy key).
ARGUMENTS_4_0: Mapping[str, frozenset[QueueType]] = {
    **ARGUMENTS_3_10,
    "x-queue-leader-locator": ALL_TYPES,
    CONSUMER_TIMEOUT: ALL_TYPES,
}
# RabbitMQ 4.3.6 (Debian forky): x-consumer-timeout refused on classic queues and streams (406 "invalid arg"); the
# policy key `consumer-timeout` applies to classic queues.
ARGUMENTS_4_3: Mapping[str, frozenset[QueueType]] = {**ARGUMENTS_4_0, CONSUMER_TIMEOUT: frozenset({QUORUM})}
NO_QUEUE_CONSUMER_TIMEOUT = (
    "RabbitMQ 3.10 has no consumer timeout per queue (4.0 has): raise the broker-wide consumer_timeout in "
    "rabbitmq.conf instead"
)

HA_KEYS = "classic queue mirroring (ha-*) was removed in RabbitMQ 4.0: use a quorum queue (type: quorum)"
MASTER_LOCATOR = (
    "queue_master_locator is a deprecated feature RabbitMQ 4.3 no longer permits: use x-queue-leader-locator "
    "(queue-leader-locator in a policy)"
)

TRANSIENT_QUEUES = "transient_nonexcl_queues"
"""A queue declared neither durable nor exclusive (Celery's control, event and rpc:// reply queues in some
releases). Permitted: accepted, with a warning in the broker's log; denied (by configuration,
`deprecated_features.permit.transient_nonexcl_queues = false`): the declaring connection is closed, 541."""
GLOBAL_QOS = "global_qos"
"""`basic.qos` with global=true (kombu's choice for Celery's worker on RabbitMQ 3.3+ in some releases). Denied:
the flag is accepted and ignored, and the prefetch applies to each consumer of the channel."""
PERMITTED_BY_DEFAULT = "permitted_by_default"
DENIED_BY_DEFAULT = "denied_by_default"

RABBITMQ_3_10 = VersionRules(
    series="3.10",
    queue_arguments=ARGUMENTS_3_10,
    # PUT /api/policies with consumer-timeout: 400 "are not recognised policy settings"
    refused_policy_keys={"consumer-timeout": NO_QUEUE_CONSUMER_TIMEOUT},
    ignored_arguments={CONSUMER_TIMEOUT: NO_QUEUE_CONSUMER_TIMEOUT},
)
RABBITMQ_4_0 = VersionRules(
    series="4.0",
    queue_arguments=ARGUMENTS_4_0,
    # PUT /api/policies with ha-mode or ha-sync-mode: 400 "are not recognised policy settings"
    refused_policy_keys={"ha-*": HA_KEYS},
    # a quorum queue declared without x-delivery-limit redelivers a message 20 times, then drops or
    # dead-letters it (RabbitMQ 4.0's release notes); GET /api/definitions shows no such argument
    default_delivery_limit=20,
    deprecated_features={TRANSIENT_QUEUES: PERMITTED_BY_DEFAULT, GLOBAL_QOS: PERMITTED_BY_DEFAULT},
)
RABBITMQ_4_3 = VersionRules(
    series="4.3",
    queue_arguments=ARGUMENTS_4_3,
    # x-queue-version: 1 refused with 406 "unsupported queue version" (classic queues v1 were removed)
    refused_values={("x-queue-version", 1): "RabbitMQ 4.3 has only version 2 of classic queues (queue_version: 2)"},
    # x-queue-master-locator on a classic queue: the connection is closed, 541 INTERNAL_ERROR
    closing_arguments={"x-queue-master-locator": MASTER_LOCATOR},
    # queue-master-locator in a policy: 400 "use of deprecated queue-master-locator argument is not permitted"
    refused_policy_keys={"ha-*": HA_KEYS, "queue-master-locator": MASTER_LOCATOR},
    default_delivery_limit=20,
    # a user without the read permission is refused a passive queue.declare (403); 3.10 and 4.0 answer it
    passive_declare_permission="read",
    # the vhost's definitions leave internal exchanges out (their bindings are listed); /api/exchanges lists them
    definitions_list_internal_exchanges=False,
    # basic.qos global=true accepted and ignored (two consumers of a channel with a global prefetch of 1 get one
    # message each), an error in the broker's log
    deprecated_features={TRANSIENT_QUEUES: PERMITTED_BY_DEFAULT, GLOBAL_QOS: DENIED_BY_DEFAULT},
)

SUPPORTED: Mapping[str, VersionRules] = {rules.series: rules for rules in (RABBITMQ_3_10, RABBITMQ_4_0, RABBITMQ_4_3)}
NEWEST = RABBITMQ_4_3


def _key(series: str) -> tuple[int, int]:
    major, minor = series.split(".")[:2]
    return int(major), int(minor)


_VERSION = re.compile(r"^(\d+)\.(\d+)")


def rules_for(version: str | None) -> VersionRules:
    """The table of the newest supported series not newer than `version` (a broker's "4.1.2", or a series);
    the oldest supported for anything older, the newest when the version is unknown (None or unreadable)."""
    found = _VERSION.match(version or "")
    if found is None:
        return NEWEST
    wanted = (int(found[1]), int(found[2]))
    fitting = [rules for rules in SUPPORTED.values() if _key(rules.series) <= wanted]
    return max(fitting, key=lambda rules: _key(rules.series)) if fitting else RABBITMQ_3_10


@dataclass(frozen=True)
class Target:
    """The version the rules are checked against, and where it came from."""

    rules: VersionRules
    source: TargetFrom
    version: str = ""  # the broker's full version, when it came from the broker

    @property
    def described(self) -> str:
        """For output: "RabbitMQ 4.3 (the newest supported; ...)"."""
        why = {
            TargetFrom.BROKER: f"the broker's version, {self.version}",
            TargetFrom.FLAG: "--rabbitmq-version",
            TargetFrom.FILE: "`rabbitmq:` in the file",
            TargetFrom.DEFAULT: "the newest supported; set `rabbitmq:` in the file or --rabbitmq-version",
        }[self.source]
        return f"RabbitMQ {self.rules.series} ({why})"


def target(flag: str | None, in_file: str | None) -> Target:
    """The target without a broker: the flag, else the file's `rabbitmq:`, else the newest series."""
    if flag is not None:
        return Target(SUPPORTED[flag], TargetFrom.FLAG)
    if in_file is not None:
        return Target(SUPPORTED[in_file], TargetFrom.FILE)
    return Target(NEWEST, TargetFrom.DEFAULT)


def broker_target(version: str | None, fallback: Target) -> Target:
    """The broker's own series when it told its version, else `fallback` (no management API)."""
    if not version:
        return fallback
    return Target(rules_for(version), TargetFrom.BROKER, version)

"""What a command can find and what it exits with: every finding code with its severity, when it fails its
command, and what reports count it as; and the exit codes. The one source of both. Pure.

A finding's code is how a program selects on it (`--format json`, envelope.schema.json lists them all), its
severity how a person reads it, and its gate whether it turns the command's exit code to 1. A code is added
here, once, with all three; `tests/unit/test_contract.py` holds the schema to this list.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum, IntEnum


class ExitCode(IntEnum):
    """Every command's exit code, and the only place the numbers are written."""

    OK = 0  # ok, in sync, nothing to do
    DIFFERS = 1  # drift (inspect), changes pending (plan), conflict (apply), kept tasks, warnings with --strict
    INVALID = 2  # invalid routing.yaml, settings or usage
    UNAVAILABLE = 3  # broker or management API unreachable or refused, the apply lock held too long


class Severity(str, Enum):
    ERROR = "error"  # tasks would be lost, or RabbitMQ would refuse: nothing may be applied
    WARNING = "warning"  # legal, but probably not what was meant


class Gate(str, Enum):
    """When a finding fails the command that reports it (exit 1)."""

    ALWAYS = "always"  # the broker does not do what routing.yaml says, or tasks wait in the nets
    CONSUMERS = "consumers"  # who consumes what: `workers` always, `inspect` with --require-consumers
    NEVER = "never"  # the picture is not settled yet, or the cluster's health (`doctor` fails on it)


class Group(str, Enum):
    """What a report counts a finding as, in its summary and its last line."""

    DRIFT = "drift"  # the broker differs from routing.yaml
    KEPT = "kept"  # tasks the nets keep: nothing is lost, somebody has to look at them
    BACKLOG = "backlog"  # over a threshold a monitoring job set
    CONSUMERS = "consumers"  # who consumes what
    CLUSTER = "cluster"  # the cluster under the vhost
    NOTICE = "notice"  # what the picture cannot tell yet
    IMPORT = "import"  # import-celery: what Celery does silently that routing.yaml makes explicit, or cannot say


class Code(str, Enum):
    """Every finding a command reports: `Code.MISSING_QUEUE.severity`, `.gate`, `.group`."""

    severity: Severity
    gate: Gate
    group: Group

    def __new__(cls, value: str, severity: Severity, gate: Gate, group: Group) -> Code:
        code = str.__new__(cls, value)
        code._value_ = value
        code.severity, code.gate, code.group = severity, gate, group
        return code

    MISSING_EXCHANGE = "missing_exchange", Severity.ERROR, Gate.ALWAYS, Group.DRIFT
    MISSING_QUEUE = "missing_queue", Severity.ERROR, Gate.ALWAYS, Group.DRIFT
    MISSING_BINDING = "missing_binding", Severity.ERROR, Gate.ALWAYS, Group.DRIFT
    MISSING_POLICY = "missing_policy", Severity.ERROR, Gate.ALWAYS, Group.DRIFT
    EXTRA_EXCHANGE = "extra_exchange", Severity.ERROR, Gate.ALWAYS, Group.DRIFT
    EXTRA_QUEUE = "extra_queue", Severity.ERROR, Gate.ALWAYS, Group.DRIFT
    EXTRA_BINDING = "extra_binding", Severity.ERROR, Gate.ALWAYS, Group.DRIFT
    EXTRA_POLICY = "extra_policy", Severity.ERROR, Gate.ALWAYS, Group.DRIFT
    EXCHANGE_MISMATCH = "exchange_mismatch", Severity.ERROR, Gate.ALWAYS, Group.DRIFT
    QUEUE_MISMATCH = "queue_mismatch", Severity.ERROR, Gate.ALWAYS, Group.DRIFT
    POLICY_MISMATCH = "policy_mismatch", Severity.ERROR, Gate.ALWAYS, Group.DRIFT
    CAPTURED_ROUTE = "captured_route", Severity.ERROR, Gate.ALWAYS, Group.DRIFT
    QUEUE_NODE_DOWN = "queue_node_down", Severity.ERROR, Gate.ALWAYS, Group.DRIFT
    UNROUTABLE_TASKS = "unroutable_tasks", Severity.ERROR, Gate.ALWAYS, Group.KEPT
    DEAD_LETTERS_TASKS = "dead_letters_tasks", Severity.ERROR, Gate.ALWAYS, Group.KEPT
    BACKLOG = "backlog", Severity.ERROR, Gate.ALWAYS, Group.BACKLOG
    BACKLOG_AGE = "backlog_age", Severity.ERROR, Gate.ALWAYS, Group.BACKLOG
    NO_CONSUMER = "no_consumer", Severity.WARNING, Gate.CONSUMERS, Group.CONSUMERS
    UNDECLARED_QUEUE_CONSUMED = "undeclared_queue_consumed", Severity.WARNING, Gate.CONSUMERS, Group.CONSUMERS
    FOREIGN_CONSUMER = "foreign_consumer", Severity.WARNING, Gate.CONSUMERS, Group.CONSUMERS
    IDLE_CONSUMERS = "idle_consumers", Severity.WARNING, Gate.CONSUMERS, Group.CONSUMERS
    CONSUMER_LIST_LAGS = "consumer_list_lags", Severity.WARNING, Gate.NEVER, Group.NOTICE
    QUORUM_LOST = "quorum_lost", Severity.ERROR, Gate.ALWAYS, Group.CLUSTER
    NODE_DOWN = "node_down", Severity.WARNING, Gate.NEVER, Group.CLUSTER
    QUORUM_MEMBER_DOWN = "quorum_member_down", Severity.WARNING, Gate.NEVER, Group.CLUSTER
    LEADERS_ON_ONE_NODE = "leaders_on_one_node", Severity.WARNING, Gate.NEVER, Group.CLUSTER
    CLASSIC_NOT_REPLICATED = "classic_not_replicated", Severity.WARNING, Gate.NEVER, Group.CLUSTER
    GHOST_CONSUMERS = "ghost_consumers", Severity.WARNING, Gate.NEVER, Group.CLUSTER
    MIGRATION_INTERRUPTED = "migration_interrupted", Severity.ERROR, Gate.ALWAYS, Group.DRIFT
    MIRRORED_QUEUE = "mirrored_queue", Severity.WARNING, Gate.NEVER, Group.NOTICE
    CLASSIC_ARGUMENT_DROPPED = "classic_argument_dropped", Severity.WARNING, Gate.NEVER, Group.NOTICE
    # import-celery's findings about a Celery configuration: any of them makes the import exit 1
    BINDING_REACHES_MORE = "binding_reaches_more", Severity.WARNING, Gate.ALWAYS, Group.IMPORT
    DEFAULT_EXCHANGE_BYPASS = "default_exchange_bypass", Severity.WARNING, Gate.ALWAYS, Group.IMPORT
    DEFAULT_QUEUE_UNDECLARED = "default_queue_undeclared", Severity.WARNING, Gate.ALWAYS, Group.IMPORT
    EXCHANGE_DECLARED_DIFFERENTLY = "exchange_declared_differently", Severity.WARNING, Gate.ALWAYS, Group.IMPORT
    QUEUE_CREATED_ON_THE_FLY = "queue_created_on_the_fly", Severity.WARNING, Gate.ALWAYS, Group.IMPORT
    QUEUE_UNREACHED = "queue_unreached", Severity.WARNING, Gate.ALWAYS, Group.IMPORT
    ROUTE_DROPS_TASKS = "route_drops_tasks", Severity.ERROR, Gate.ALWAYS, Group.IMPORT
    ROUTE_MATCHES_NO_TASK = "route_matches_no_task", Severity.WARNING, Gate.ALWAYS, Group.IMPORT
    ROUTE_TO_NOTHING = "route_to_nothing", Severity.ERROR, Gate.ALWAYS, Group.IMPORT
    ROUTE_TO_UNDECLARED_QUEUE = "route_to_undeclared_queue", Severity.WARNING, Gate.ALWAYS, Group.IMPORT
    ROUTER_FAILED = "router_failed", Severity.ERROR, Gate.ALWAYS, Group.IMPORT
    ROUTER_NOT_CONVERTIBLE = "router_not_convertible", Severity.WARNING, Gate.ALWAYS, Group.IMPORT
    SCHEDULE_NOT_CONVERTIBLE = "schedule_not_convertible", Severity.WARNING, Gate.ALWAYS, Group.IMPORT
    SHARED_BINDING_KEY = "shared_binding_key", Severity.WARNING, Gate.ALWAYS, Group.IMPORT
    UNKNOWN_SETTING = "unknown_setting", Severity.WARNING, Gate.ALWAYS, Group.IMPORT
    UNKNOWN_TASK = "unknown_task", Severity.WARNING, Gate.ALWAYS, Group.IMPORT
    WRITTEN_FILE_INVALID = "written_file_invalid", Severity.ERROR, Gate.ALWAYS, Group.IMPORT
    CONSUMER_TIMEOUT = "consumer_timeout", Severity.WARNING, Gate.NEVER, Group.NOTICE

    def fails(self, *, require_consumers: bool) -> bool:
        """Whether it turns its command's exit code to 1 (`require_consumers`: who consumes what counts too)."""
        return self.gate is Gate.ALWAYS or (require_consumers and self.gate is Gate.CONSUMERS)


def exit_code(codes: Iterable[Code], *, require_consumers: bool = False) -> ExitCode:
    """1 when any of `codes` fails the command, else 0."""
    failing = any(code.fails(require_consumers=require_consumers) for code in codes)
    return ExitCode.DIFFERS if failing else ExitCode.OK

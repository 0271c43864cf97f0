"""The routing.yaml file format: a strict schema (pydantic) of what a user writes (shorthands, named options,
durations and sizes), and its JSON Schema for editors.

`problems` turns what the schema refuses into messages with their places; `to_model` turns a checked document
into the model. RabbitMQ's own rules (what each queue type accepts) are checked later, on the model, by
``broker_rules``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from topology.checks.versions import SUPPORTED
from topology.language.cron import cron_fields
from topology.language.units import DURATION_HINT, MAX_SECONDS, SIZE_HINT, parse_duration, parse_size
from topology.model import (
    ALTERNATE_EXCHANGE,
    CONFIRM_TIMEOUT_BOUNDS,
    CONSUMER_TIMEOUT,
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_ROUTING_KEY,
    DEFAULT_CONFIRM_TIMEOUT,
    DEFAULT_DELAY_LEVELS,
    DEFAULT_DELAY_PREFIX,
    DEFAULT_MAX_RUNS,
    DEFAULT_OWNER,
    DELAYED_TYPE,
    MAX_DELAY_LEVELS,
)


def _duration(value: Any) -> Any:
    return parse_duration(value) if isinstance(value, str) else value


def _milliseconds(value: Any) -> Any:
    """RabbitMQ counts these in milliseconds; a bare number would be read as either, so a unit is required."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"{value} has no unit (RabbitMQ counts milliseconds): write {value}ms, or {value}s")
    return round(parse_duration(value) * 1000) if isinstance(value, str) else value  # within 64 bits: see MAX_SECONDS


def _size(value: Any) -> Any:
    return parse_size(value) if isinstance(value, str) else value


_DURATION_SCHEMA = {
    "type": "string",
    "pattern": r"^(\s*(\d+(\.\d+)?\s*(ms|s|m|h|d)\s*)+|.*\$\{[^}]+\}.*)$",  # or ${VAR:-default}
    "description": DURATION_HINT,
}
Seconds = Annotated[
    float,
    Field(gt=0, le=MAX_SECONDS, allow_inf_nan=False),
    BeforeValidator(_duration),
    WithJsonSchema({"anyOf": [{"type": "number", "exclusiveMinimum": 0}, _DURATION_SCHEMA]}),
]
Milliseconds = Annotated[int, Field(ge=0), BeforeValidator(_milliseconds), WithJsonSchema(_DURATION_SCHEMA)]
Bytes = Annotated[
    int,
    Field(ge=0),
    BeforeValidator(_size),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "description": SIZE_HINT}]}),
]


def _table_value(value: Any) -> Any:
    """AMQP table values pika can send: text, whole numbers, true/false (no floats, no nesting)."""
    if isinstance(value, (str, int, bool)):
        return value
    raise ValueError(f"should be text, a whole number or true/false, got {show_value(value)}")


def _header_value(value: Any) -> Any:
    return value if value is None else _table_value(value)


_SCALAR_SCHEMA = {"type": ["string", "integer", "boolean"]}
ArgumentValue = Annotated[Any, BeforeValidator(_table_value), WithJsonSchema(_SCALAR_SCHEMA)]
HeaderValue = Annotated[
    Any,
    BeforeValidator(_header_value),
    WithJsonSchema({"type": ["string", "integer", "boolean", "null"], "description": "null: the header is present"}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


def _one_or_many(value: Any) -> Any:
    """`routing_key: a` and `routing_key: [a, b]` (one binding per key) both work."""
    return [value] if isinstance(value, str) else value


class BindingDoc(_Strict):
    exchange: str = Field(description="The source exchange.")
    routing_key: Annotated[
        list[str],
        BeforeValidator(_one_or_many),
        WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
    ] = Field(default=[""], description="One key, or a list of keys (one binding each).")
    match: Literal["all", "any"] | None = Field(default=None, description="Headers exchanges: x-match.")
    headers: dict[str, HeaderValue] | None = Field(default=None, description="Headers exchanges: values to match.")


class ExchangeDoc(_Strict):
    type: Literal["direct", "topic", "fanout", "headers", "x-delayed-message", "x-consistent-hash"]
    durable: bool = True
    auto_delete: bool = False
    internal: bool = Field(default=False, description="Only other exchanges may publish to it.")
    alternate_exchange: str | None = Field(default=None, description="Receives what this exchange cannot route.")
    delayed_type: Literal["direct", "topic", "fanout", "headers"] | None = Field(
        default=None, description="x-delayed-message: how the exchange routes once the delay is over."
    )
    arguments: dict[str, ArgumentValue] = {}
    bindings: list[BindingDoc] = Field(default=[], description="Exchange-to-exchange bindings into this exchange.")

    def named_arguments(self) -> dict[str, tuple[str, Any]]:
        """x-argument -> (the option it was written as, its wire value)."""
        named = {ALTERNATE_EXCHANGE: ("alternate_exchange", self.alternate_exchange)}
        named[DELAYED_TYPE] = ("delayed_type", self.delayed_type)
        return {arg: written for arg, written in named.items() if written[1] is not None}

    @model_validator(mode="after")
    def _not_twice(self) -> ExchangeDoc:
        _check_not_twice(self.named_arguments(), self.arguments)
        return self


def _check_not_twice(named: dict[str, tuple[str, Any]], raw: dict[str, Any]) -> None:
    twice = [f"{arg} (as {key} and in arguments)" for arg, (key, _) in named.items() if arg in raw]
    if twice:
        raise ValueError(f"set twice: {', '.join(twice)}; keep one")


QUEUE_OPTIONS = {
    "message_ttl": "x-message-ttl",
    "expires": "x-expires",
    "max_length": "x-max-length",
    "max_length_bytes": "x-max-length-bytes",
    "overflow": "x-overflow",
    "dead_letter_exchange": DEAD_LETTER_EXCHANGE,
    "dead_letter_routing_key": DEAD_LETTER_ROUTING_KEY,
    "dead_letter_strategy": "x-dead-letter-strategy",
    "max_priority": "x-max-priority",
    "delivery_limit": "x-delivery-limit",
    "single_active_consumer": "x-single-active-consumer",
    "queue_mode": "x-queue-mode",
    "queue_version": "x-queue-version",
    "max_age": "x-max-age",
    "consumer_timeout": CONSUMER_TIMEOUT,
    "stream_max_segment_size_bytes": "x-stream-max-segment-size-bytes",
    "leader_locator": "x-queue-leader-locator",
}
"""Named queue options and the x-argument each one sets."""


class _ChangeableSettings(_Strict):
    """Queue settings RabbitMQ takes from an x-argument (fixed at declaration) or from a policy (changeable)."""

    message_ttl: Milliseconds | None = None
    expires: Milliseconds | None = None
    max_length: Annotated[int, Field(ge=0)] | None = None
    max_length_bytes: Bytes | None = None
    overflow: Literal["drop-head", "reject-publish", "reject-publish-dlx"] | None = None
    dead_letter_exchange: str | None = None
    dead_letter_routing_key: str | None = None
    delivery_limit: Annotated[int, Field(ge=0)] | None = None
    max_age: Seconds | None = None
    consumer_timeout: Milliseconds | None = Field(
        default=None,
        description="How long a delivery may stay unacked before RabbitMQ closes the consumer's channel (its "
        "consumer_timeout for this queue; RabbitMQ 4.0+, on 4.3 classic queues by policy only).",
    )


class QueueDoc(_ChangeableSettings):
    type: Literal["classic", "quorum", "stream"] = "classic"
    durable: bool = True
    auto_delete: bool = False
    dead_letter_strategy: Literal["at-most-once", "at-least-once"] | None = None
    max_priority: Annotated[int, Field(ge=1, le=255)] | None = None
    single_active_consumer: bool | None = None
    queue_mode: Literal["default", "lazy"] | None = None
    queue_version: Literal[1, 2] | None = None
    stream_max_segment_size_bytes: Bytes | None = None
    leader_locator: Literal["client-local", "balanced"] | None = Field(
        default=None,
        description="Where a cluster places the queue's leader: on the node the declaring client is connected "
        "to (RabbitMQ's default), or balanced over the nodes.",
    )
    arguments: dict[str, ArgumentValue] = {}
    bindings: list[BindingDoc] = []
    fed_by: list[Annotated[str, Field(min_length=1)]] = Field(
        default=[],
        description="What else publishes to this queue (other applications, by any name): no route of this "
        "file needs to reach it. Not sent to RabbitMQ.",
    )
    max_runs: Annotated[int, Field(ge=1)] | None = Field(
        default=None,
        description="How many times a task may start on a worker (each start that ends in no ack counts, as when "
        "the task kills its worker) before it is dead-lettered; default: the file's max_runs.",
    )
    broadcast: bool = Field(
        default=False,
        description="kombu's Broadcast: each worker consuming this queue declares one of its own (exclusive, "
        "gone with the worker) with these bindings, so every worker gets every task; apply declares none.",
    )

    def named_arguments(self) -> dict[str, tuple[str, Any]]:
        """x-argument -> (the option it was written as, its wire value)."""
        return {
            QUEUE_OPTIONS[key]: (key, _wire_value(key, value))
            for key, value in self.model_dump(include=set(QUEUE_OPTIONS)).items()
            if value is not None
        }

    @model_validator(mode="after")
    def _not_twice(self) -> QueueDoc:
        if "x-queue-type" in self.arguments:
            raise ValueError("write the queue type as `type:`, not as x-queue-type in arguments")
        _check_not_twice(self.named_arguments(), self.arguments)
        if self.type == "stream" and self.max_runs is not None:
            raise ValueError("max_runs: a stream never redelivers (its consumers read offsets); remove it")
        if self.broadcast:
            _check_broadcast(self)
        return self


def _check_broadcast(queue: QueueDoc) -> None:
    """A worker declares its broadcast queue itself, as kombu's Broadcast does: a classic queue of its own."""
    if not queue.bindings:
        raise ValueError("broadcast: a worker's queue gets tasks only through its bindings: bind it to an exchange")
    declared: list[str] = [k for k in ("arguments", "type", "durable", "auto_delete") if k in queue.model_fields_set]
    declared += [option for option in QUEUE_OPTIONS if getattr(queue, option) is not None]
    if declared:
        raise ValueError(
            f"broadcast: each worker declares its own exclusive classic queue; {', '.join(declared)} cannot be set"
        )


def _wire_value(option: str, value: Any) -> Any:
    return f"{round(value)}s" if option == "max_age" else value


class RouteDoc(_Strict):
    queue: str | None = None
    exchange: str | None = None
    routing_key: str | None = None
    priority: Annotated[int, Field(ge=0, le=255)] | None = None

    @model_validator(mode="after")
    def _one_destination(self) -> RouteDoc:
        if (self.queue is None) == (self.exchange is None):
            raise ValueError("a route names either a queue, or an exchange with a routing_key")
        if self.queue is not None and self.routing_key is not None:
            raise ValueError("routing_key goes with exchange; a route to a queue uses the queue's binding")
        return self


def _queue_shorthand(value: Any) -> Any:
    """`tasks.taskA: for_task_A` means `tasks.taskA: {queue: for_task_A}`."""
    return {"queue": value} if isinstance(value, str) else value


class ScheduleOptionsDoc(_Strict):
    priority: Annotated[int, Field(ge=0, le=255)] | None = None
    expires: Seconds | None = Field(default=None, description="Drop the task if not started within this time.")


class ScheduleDoc(_Strict):
    task: str
    every: Seconds | None = Field(default=None, description="Seconds (a number) or a duration.")
    cron: str | None = Field(
        default=None, description='Five fields: minute hour day-of-month month day-of-week, "0 3 * * *".'
    )
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    queue: str | None = None
    options: ScheduleOptionsDoc = ScheduleOptionsDoc()
    relative: bool = Field(
        default=False,
        description="Celery beat's relative: `every` rounded to its own resolution (every 5m runs on minutes "
        "that divide by 5) instead of counted from beat's start.",
    )

    @model_validator(mode="after")
    def _one_timing(self) -> ScheduleDoc:
        if (self.every is None) == (self.cron is None):
            raise ValueError("a schedule entry runs either `every` (seconds or a duration) or on `cron`")
        if self.relative and self.cron is not None:
            raise ValueError("relative rounds an `every` interval; a cron line runs at fixed times already")
        return self

    @field_validator("cron")
    @classmethod
    def _cron_line(cls, value: str | None) -> str | None:
        if value is not None:
            cron_fields(value)
        return value


RouteEntry = Annotated[RouteDoc, BeforeValidator(_queue_shorthand)]

POLICY_OPTIONS = {
    "message_ttl": "message-ttl",
    "expires": "expires",
    "max_length": "max-length",
    "max_length_bytes": "max-length-bytes",
    "overflow": "overflow",
    "dead_letter_exchange": "dead-letter-exchange",
    "dead_letter_routing_key": "dead-letter-routing-key",
    "delivery_limit": "delivery-limit",
    "max_age": "max-age",
    "consumer_timeout": "consumer-timeout",
}
"""Named policy settings and RabbitMQ's key for each: the settings that may change on a live queue."""


class PolicyDoc(_ChangeableSettings):
    """Settings RabbitMQ applies to matching queues and can change later, unlike x-arguments."""

    pattern: str | None = Field(default=None, description="Regular expression on queue names (RabbitMQ's).")
    queues: list[str] | None = Field(default=None, description="Exact queue names (instead of a pattern).")
    priority: int = Field(default=0, description="When several policies match a queue, the highest wins.")
    apply_to: Literal["queues", "exchanges", "all"] = "queues"
    definition: dict[str, ArgumentValue] = Field(default={}, description="Other policy keys, as RabbitMQ names them.")

    def full_definition(self) -> dict[str, Any]:
        named = {
            POLICY_OPTIONS[key]: _wire_value(key, value)
            for key, value in self.model_dump(include=set(POLICY_OPTIONS)).items()
            if value is not None
        }
        return named | dict(self.definition)

    def queue_pattern(self) -> str:
        """`queues: [a, b]` as the anchored pattern RabbitMQ needs: ^(a|b)$."""
        if self.pattern is not None:
            return self.pattern
        return "^(" + "|".join(re.escape(q) for q in self.queues or ()) + ")$"

    @model_validator(mode="after")
    def _target_and_settings(self) -> PolicyDoc:
        if (self.pattern is None) == (self.queues is None):
            raise ValueError("a policy applies either to a `pattern` of queue names or to a list of `queues`")
        named = {POLICY_OPTIONS[k] for k in POLICY_OPTIONS if getattr(self, k) is not None}
        twice = sorted(named & set(self.definition))
        if twice:
            raise ValueError(f"set twice: {', '.join(twice)} (as a named setting and in definition); keep one")
        if not named and not self.definition:
            raise ValueError("a policy sets something: message_ttl, max_length, dead_letter_exchange, ...")
        return self


def _confirm_timeout(seconds: float) -> float:
    shortest, longest = CONFIRM_TIMEOUT_BOUNDS
    if not shortest <= seconds <= longest:
        raise ValueError(f"a confirm timeout is from {shortest:g}s to {longest:g}s, got {seconds:g}s")
    return seconds


class PublishDoc(_Strict):
    confirm_timeout: Annotated[
        float,
        Field(allow_inf_nan=False),
        BeforeValidator(_duration),
        AfterValidator(_confirm_timeout),
        WithJsonSchema({"anyOf": [{"type": "number", "exclusiveMinimum": 0}, _DURATION_SCHEMA]}),
    ] = Field(
        default=DEFAULT_CONFIRM_TIMEOUT,
        description="How long a publish (connecting, retrying, the broker's confirm) may take before "
        "apply_async raises PublishNotConfirmed: seconds or a duration.",
    )


def _ladder_prefix(value: str) -> str:
    if value.startswith("amq."):
        raise ValueError(f"RabbitMQ reserves names starting with 'amq.' for itself: {value!r} cannot be a prefix")
    return value


class DelaysDoc(_Strict):
    prefix: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_ladder_prefix)] = Field(
        default=DEFAULT_DELAY_PREFIX,
        description="The names of the delay ladder's exchanges and queues: <prefix>.0 ... and <prefix>.delivery.",
    )
    levels: Annotated[int, Field(ge=1, le=MAX_DELAY_LEVELS)] = Field(
        default=DEFAULT_DELAY_LEVELS,
        description="Level k holds a task 2^k seconds: the longest delay is 2^levels - 1 seconds (23, the most "
        "RabbitMQ allows: 97 days; a longer delay goes round again).",
    )


def _series(value: Any) -> Any:
    """A supported series, written as text: YAML reads an unquoted 3.10 as the number 3.1."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f'write the version as text, quoted: rabbitmq: "{value}" (YAML reads 3.10 as 3.1)')
    if isinstance(value, str) and value not in SUPPORTED:
        raise ValueError(f"RabbitMQ {value!r} is not a supported version (supported: {', '.join(SUPPORTED)})")
    return value


RabbitmqSeries = Annotated[str, BeforeValidator(_series), WithJsonSchema({"enum": list(SUPPORTED)})]


class Document(_Strict):
    """routing.yaml: the exchanges, queues and bindings on the broker, and how Celery routes tasks to them."""

    exchanges: dict[str, ExchangeDoc] = {}
    queues: dict[str, QueueDoc] = {}
    routes: dict[str, RouteEntry] = Field(
        default={}, description="Task name, glob (tasks.*) or /regex/ -> queue; first match wins, exact names first."
    )
    default_queue: str
    schedule: dict[str, ScheduleDoc] = {}
    app: str | None = Field(default=None, description="The Celery app (as for `celery -A`), to check task names.")
    policies: dict[str, PolicyDoc] = Field(default={}, description="RabbitMQ policies: settings that may change.")
    rabbitmq: RabbitmqSeries | None = Field(
        default=None,
        description='The RabbitMQ version validate checks against without a broker ("3.10", "4.0", "4.3"; '
        "default: the newest); plan and apply use the broker's own.",
    )
    owner: str = Field(
        default=DEFAULT_OWNER,
        min_length=1,
        description="Marks what `apply` creates (x-topology-owner); `apply --prune` removes only objects so marked.",
    )
    unroutable: Annotated[str, Field(min_length=1)] | bool = Field(
        default=True,
        description="The exchange and queue that keep what an exchange cannot route (true: topology.unroutable); "
        "false: none, and an unroutable task raises at the caller (every task is published mandatory).",
    )
    dead_letters: Annotated[str, Field(min_length=1)] | bool = Field(
        default=True,
        description="The exchange and queue that keep what a queue rejects, expires or drops over its limits "
        "(true: topology.dead-letters); false: none.",
    )
    delays: DelaysDoc | bool = Field(
        default=True,
        description="The delay ladder that holds countdown/eta/retry tasks in RabbitMQ until due (true: the "
        "default prefix topology.delay); false: none, and the worker holds a delayed task until it is due.",
    )
    publish: PublishDoc = Field(
        default_factory=PublishDoc, description="How Celery clients publish tasks: each one confirmed by RabbitMQ."
    )
    max_runs: Annotated[int, Field(ge=1)] = Field(
        default=DEFAULT_MAX_RUNS,
        description="How many times a task may start on a worker before it is dead-lettered, for every queue "
        "that sets no max_runs of its own.",
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema of routing.yaml, for editors (yaml-language-server) and CI."""
    schema = Document.model_json_schema()
    routes = schema["properties"]["routes"]
    routes["additionalProperties"] = {
        "anyOf": [{"type": "string", "description": "A queue name."}, routes["additionalProperties"]]
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "routing.yaml (celery-topology)"
    return schema


def show_value(value: Any) -> str:
    """A value as messages quote it: containers by their kind, never their whole content."""
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return "nothing" if value is None else repr(value)

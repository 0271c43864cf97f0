"""What RabbitMQ of a given series refuses or changes for a Celery app as it stands: `version_hazards`.

Asked of the installed Celery and kombu themselves, not of a table of their releases: the queues the app's
processes declare (its task queues, remote control's node and reply queues, an event receiver's queue, the
rpc:// reply queue) as Celery builds them from the app's settings, and the prefetch its worker asks for, as
the worker's own consumer step decides it for a broker of that series (kombu's rule by the broker's version).
What each series does with them is `checks.versions` (measured on RabbitMQ 3.10.8, 4.0.5 and 4.3.6, see
docs/rabbitmq-notes.md#what-celery-meets-on-rabbitmq-4):

- a transient queue that is not exclusive (durable=False, exclusive=False) is the deprecated feature
  `transient_nonexcl_queues`: permitted by default on 4.0 and 4.3 (a warning in the broker's log), and where an
  operator denies it (`deprecated_features.permit.transient_nonexcl_queues = false`) the connection that
  declares one is closed (541 INTERNAL_ERROR);
- `basic.qos` with global=true (`global_qos`): 4.3 denies it by default, by ignoring the flag: the prefetch
  count then applies to each consumer, and a worker consuming N queues may hold N times as many tasks;
- a quorum queue without a dead-letter target drops a task delivered 20 times (4.0's default delivery limit).

An app configured from the file (`configure`) takes its task queues from the file, durable unless it says
otherwise, with the dead-letter net and a worker that dead-letters a task after `max_runs` deliveries; the
file's own checks warn of the rest (`checks.nets`), so its quorum queues are not repeated here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from types import SimpleNamespace
from typing import Any

import celery
import kombu
from celery.app.defaults import DEFAULTS
from celery.utils.imports import symbol_by_name
from celery.worker.consumer.tasks import Tasks

from topology import hints
from topology.celery_adapter.precedence import ROUTING_SETTING
from topology.checks.versions import DENIED_BY_DEFAULT, GLOBAL_QOS, TRANSIENT_QUEUES, VersionRules
from topology.model import CONSUMER_TIMEOUT, DEAD_LETTER_EXCHANGE, Problem, Severity

QUORUM = "quorum"


class HazardKind(str, Enum):
    TRANSIENT_QUEUE = "transient_queue"
    GLOBAL_QOS = "global_qos"
    DELIVERY_LIMIT = "delivery_limit"


@dataclass(frozen=True)
class Hazard:
    """One thing RabbitMQ of `series` refuses or changes for the app; `avoided_by_configure`: whether the app
    configured from routing.yaml (`configure`) no longer meets it."""

    kind: HazardKind
    series: str
    subject: str
    message: str
    avoided_by_configure: bool

    def problem(self) -> Problem:
        return Problem(self.message, None, Severity.WARNING)


@dataclass(frozen=True)
class DeclaredQueue:
    """A queue a process of the app declares, as Celery builds it: who declares it, and the kombu Queue."""

    subject: str
    queue: kombu.Queue
    setting: str | None = None  # Celery's setting that makes it exclusive (None: a task queue, or none)
    task_queue: bool = False
    configured_from_file: bool = False  # a task queue of an app configured from routing.yaml: the file decides


def version_hazards(app: celery.Celery, rules: VersionRules) -> tuple[Hazard, ...]:
    """What RabbitMQ of `rules.series` refuses or changes for `app` as it stands, with the installed Celery and
    kombu (for `validate --app` and `import-celery`)."""
    return (*_transient_queues(app, rules), *_global_qos(app, rules), *_delivery_limits(app, rules))


def versions() -> str:
    return f"Celery {celery.__version__} and kombu {kombu.__version__}"


def declared_queues(app: celery.Celery) -> Iterator[DeclaredQueue]:
    """The queues the app's processes declare: task queues (workers), remote control's node queue (workers)
    and reply queue (`celery inspect`, `control` calls), an event receiver's (`celery events`, Flower), the
    rpc:// reply queue (clients waiting for results)."""
    configured = app.conf.get(ROUTING_SETTING) is not None
    for queue in app.amqp.queues.values():
        yield DeclaredQueue(f"task queue {queue.name!r}", queue, task_queue=True, configured_from_file=configured)
    mailbox = app.control.mailbox
    control, events = "control_queue_exclusive", "event_queue_exclusive"
    yield DeclaredQueue("remote control's node queue (each worker's)", mailbox.get_queue("worker@host"), control)
    yield DeclaredQueue("remote control's reply queue (celery inspect, app.control)", mailbox.reply_queue, control)
    yield DeclaredQueue("an event receiver's queue (celery events, Flower)", app.events.Receiver(None).queue, events)
    if str(app.conf.result_backend or "").startswith("rpc"):
        yield DeclaredQueue("the rpc:// result backend's reply queue", app.backend.binding)


def _transient_queues(app: celery.Celery, rules: VersionRules) -> Iterator[Hazard]:
    phase = rules.deprecated_features.get(TRANSIENT_QUEUES)
    if phase is None:
        return
    for declared in declared_queues(app):
        queue = declared.queue
        if queue.durable or queue.exclusive:
            continue
        now = (
            "denied by default: the connection that declares it is closed (541 INTERNAL_ERROR)"
            if phase == DENIED_BY_DEFAULT
            else "permitted by default (a warning in RabbitMQ's log), refused where the broker denies it "
            "(`deprecated_features.permit.transient_nonexcl_queues = false`: the connection that declares it is "
            "closed, 541 INTERNAL_ERROR), and to be removed"
        )
        yield Hazard(
            HazardKind.TRANSIENT_QUEUE,
            rules.series,
            declared.subject,
            f"RabbitMQ {rules.series}, with {versions()}: {declared.subject} is transient and not exclusive "
            f"(durable=False, exclusive=False), the deprecated feature {TRANSIENT_QUEUES}: {now}. {_fix(declared)}",
            avoided_by_configure=declared.task_queue and not declared.configured_from_file,
        )


def _fix(declared: DeclaredQueue) -> str:
    if declared.configured_from_file:
        return "routing.yaml declares it `durable: false`: make it durable"
    if declared.task_queue:
        return "configure() makes the task queues the file's, durable unless it says otherwise"
    if declared.setting is None:
        return "configure() leaves it as this Celery release makes it: use another result backend"
    if declared.setting in DEFAULTS:
        return f"set {declared.setting} = True (configure() leaves Celery's setting as it is)"
    return f"this Celery release has no {declared.setting} setting: upgrade Celery (configure() cannot change it)"


def worker_asks_global_qos(app: celery.Celery, version: str) -> bool:
    """Whether the app's worker asks for a prefetch shared by its channel (`basic.qos` global) on a RabbitMQ
    of `version`: its consumer's own task step decides, given kombu's rule for that version."""
    connection = app.connection_for_write()
    server = SimpleNamespace(server_properties={"product": "RabbitMQ", "version": version})
    matches_spec = connection.transport.qos_semantics_matches_spec(server)
    consumer = symbol_by_name(app.conf.worker_consumer)
    steps = [symbol_by_name(step) for step in consumer.Blueprint.default_steps]
    step = next(each for each in steps if each.name == Tasks.name)
    c = SimpleNamespace(
        app=app,
        connection=SimpleNamespace(qos_semantics_matches_spec=matches_spec, transport=connection.transport),
    )
    return bool(step(c).qos_global(c))


def _global_qos(app: celery.Celery, rules: VersionRules) -> Iterator[Hazard]:
    if rules.deprecated_features.get(GLOBAL_QOS) != DENIED_BY_DEFAULT:
        return
    if worker_asks_global_qos(app, f"{rules.series}.0"):
        yield Hazard(
            HazardKind.GLOBAL_QOS,
            rules.series,
            "the worker's prefetch",
            f"RabbitMQ {rules.series}, with {versions()}: the worker asks for a prefetch shared by its channel "
            f"(basic.qos global), the deprecated feature {GLOBAL_QOS}, which RabbitMQ {rules.series} denies by "
            "ignoring the flag: the prefetch applies to each consumer, so a worker consuming several queues may "
            "hold that many times worker_prefetch_multiplier x concurrency tasks. configure() leaves the choice "
            "to kombu (releases with RabbitMQ 4's rule ask per-consumer prefetch themselves) except with a "
            "quorum queue, where it is always per consumer",
            avoided_by_configure=False,
        )


def _delivery_limits(app: celery.Celery, rules: VersionRules) -> Iterator[Hazard]:
    if rules.default_delivery_limit is None or app.conf.get(ROUTING_SETTING) is not None:
        return  # configured from the file: its own checks say which of its queues drop (checks.nets)
    for queue in app.amqp.queues.values():
        arguments: dict[str, Any] = dict(queue.queue_arguments or {})
        if arguments.get("x-queue-type") != QUORUM or DEAD_LETTER_EXCHANGE in arguments:
            continue
        yield Hazard(
            HazardKind.DELIVERY_LIMIT,
            rules.series,
            f"task queue {queue.name!r}",
            f"RabbitMQ {rules.series}: task queue {queue.name!r} is a quorum queue with no dead-letter exchange "
            f"argument (a policy may give it one): RabbitMQ drops a task delivered {rules.default_delivery_limit} "
            "times without an ack (its worker lost mid-task each time, or killed by the task). configure() gives "
            "every queue the file's dead-letter net and dead-letters a task after max_runs deliveries",
            avoided_by_configure=True,
        )


BROKER_CONSUMER_TIMEOUT_MS = 1_800_000
"""RabbitMQ's default consumer_timeout (30 minutes), in effect where the file sets none for a queue."""


def consumer_timeout_problems(app: Any) -> Iterator[Problem]:
    """A task whose time limit (its own, or the app's task_time_limit / task_soft_time_limit) exceeds the
    consumer_timeout of the queue it is routed to: RabbitMQ closes the worker's channel while the task still
    runs (the worker reconnects, runs the task once, and its redelivery is not run again: worker.py)."""
    routing = app.conf.get(ROUTING_SETTING)
    topology = getattr(routing, "topology", None)
    if topology is None:
        return
    for name in sorted(n for n in app.tasks if not n.startswith("celery.")):
        task = app.tasks[name]
        limits = [
            (key, value)
            for key in ("time_limit", "soft_time_limit")
            if (value := getattr(task, key, None) or app.conf.get(f"task_{key}")) is not None
        ]
        if not limits:
            continue
        try:
            queue = app.amqp.router.route({}, name, (), {}, task).get("queue")
        except Exception:  # a router that fails is reported by the routes check
            continue
        declared = topology.queue(getattr(queue, "name", None) or "")
        if declared is None:
            continue
        written = topology.queue_setting(declared, CONSUMER_TIMEOUT)
        timeout_ms = written if isinstance(written, int) else BROKER_CONSUMER_TIMEOUT_MS
        source = "its consumer_timeout" if isinstance(written, int) else "RabbitMQ's default consumer_timeout"
        for key, seconds in limits:
            if float(seconds) * 1000 > timeout_ms:
                yield Problem(
                    f"task {name!r}: its {key} ({float(seconds):g} s) exceeds {source} on queue {declared.name!r} "
                    f"({timeout_ms / 1000:g} s): RabbitMQ would close the worker's channel while the task runs; "
                    f"{hints.CONSUMER_TIMEOUT}",
                    declared.origin,
                    Severity.WARNING,
                )

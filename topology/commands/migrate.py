"""`apply --migrate`: each migration of the plan carried out step by step, each step recorded once done.

The steps are `planning.migration`'s; the session sends their declares, binds, unbinds and deletes as it
sends any apply's, and moves the messages (`broker.migrate`). A step refused stops that queue's migration
where it is, recorded: the next `apply --migrate` goes on from there. A lost connection is raised to apply,
which reads the vhost again and so resumes from the record.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from topology.broker.session import Session
from topology.model import OWNER_ARGUMENT, Binding, Kind, QueueType, Ref, binding_arguments
from topology.planning.migration import Migration, MigrationRecord, Mover, StepNo
from topology.planning.observed import LiveBinding
from topology.planning.operations import Operation, bind, declaration, unbind


@dataclass(frozen=True)
class Migrated:
    """What became of one queue's migration in this run."""

    queue: str
    mover: Mover
    steps: tuple[int, ...]  # the steps done in this run
    moved_out: int = 0
    moved_back: int = 0
    seconds: float = 0.0
    failed: str = ""  # why it stopped (the step refused), empty when it finished

    @property
    def done(self) -> bool:
        return not self.failed


def run_migrations(migrations: Sequence[Migration], session: Session, owner: str) -> tuple[Migrated, ...]:
    how = session.mover() if migrations else Mover.REPLAY
    return tuple(_migrate(m, session, owner, how) for m in migrations)


def _migrate(migration: Migration, session: Session, owner: str, how: Mover) -> Migrated:
    started = time.monotonic()
    queue, holding = migration.queue, migration.holding
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    done: list[int] = []
    moved_out = moved_back = 0
    if migration.resumes_after == 0:
        session.record_migration(MigrationRecord(queue, 0, started_at), owner)
    for step in migration.steps:
        number = step.number
        refused = ""
        if number is StepNo.DECLARE_HOLDING:
            refused = _send(session, [_holding_declaration(migration, owner)])
        elif number is StepNo.BIND_HOLDING:
            refused = _send(session, [bind(_ref(holding, b), b, owner) for b in migration.bind])
        elif number is StepNo.UNBIND_QUEUE:
            refused = _send(session, [unbind(b) for b in migration.unbind])
        elif number is StepNo.MOVE_OUT:
            moved_out += _move_if_there(session, queue, holding, how)
        elif number is StepNo.DELETE_QUEUE:
            moved_out += session.settle(queue, holding, how)
            refused = _send(session, [Operation("queue_delete", {"queue": queue}, Ref(Kind.QUEUE, queue))])
        elif number is StepNo.DECLARE_QUEUE:
            assert migration.desired is not None  # a queue of the file: planned with its declaration
            refused = _send(session, [declaration(migration.desired.declared(), owner)])
            refused = refused or _send(session, [bind(_ref(queue, b), b, owner) for b in migration.bind])
        elif number is StepNo.MOVE_BACK:
            refused = _send(session, [unbind(_holding_binding(holding, b, owner)) for b in migration.bind])
            moved_back += 0 if refused else _move_if_there(session, holding, queue, how)
        else:
            delete = Operation("queue_delete", {"queue": holding}, Ref(Kind.QUEUE, holding), if_idle=True)
            refused = _send(session, [delete])
        if refused:
            seconds = time.monotonic() - started
            failed = f"step {number.value} ({step.says}) refused: {refused}"
            return Migrated(queue, how, tuple(done), moved_out, moved_back, seconds, failed)
        done.append(number.value)
        if number is StepNo.DROP_HOLDING:
            session.forget_migration(queue)
        else:
            session.record_migration(MigrationRecord(queue, number.value, started_at), owner)
    return Migrated(queue, how, tuple(done), moved_out, moved_back, time.monotonic() - started)


def _ref(queue: str, binding: Binding) -> Ref:
    arguments = binding_arguments(binding.arguments)
    return Ref(Kind.BINDING, queue, binding.exchange, Kind.QUEUE, binding.routing_key, arguments)


def _holding_binding(holding: str, binding: Binding, owner: str) -> LiveBinding:
    arguments = binding_arguments(binding.arguments)
    return LiveBinding(binding.exchange, holding, Kind.QUEUE, binding.routing_key, arguments, owner)


def _holding_declaration(migration: Migration, owner: str) -> Operation:
    """Durable; a quorum queue when the queue becomes one, so that it is replicated like it meanwhile."""
    quorum = migration.desired is not None and migration.desired.type is QueueType.QUORUM
    arguments = {OWNER_ARGUMENT: owner, **({"x-queue-type": QueueType.QUORUM.value} if quorum else {})}
    declare = {"queue": migration.holding, "durable": True, "auto_delete": False, "arguments": arguments}
    return Operation("queue_declare", declare, Ref(Kind.QUEUE, migration.holding))


def _send(session: Session, operations: Sequence[Operation]) -> str:
    """'' when every operation went through, else what RabbitMQ said."""
    if not operations:
        return ""
    refused = session.send([operations])
    return "; ".join(refusal.explanation for refusal in refused.values())


def _move_if_there(session: Session, source: str, target: str, how: Mover) -> int:
    """A rerun of a step may find its source gone already (deleted by the run it finishes)."""
    if session.counts([source]).get(source) is None:
        return 0
    return session.move(source, target, how).messages

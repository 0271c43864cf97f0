"""A queue changed in what RabbitMQ cannot change in place (its type, an x-argument), while it holds tasks and
is consumed: `apply --migrate` as numbered steps, and the record of the last step done. Pure.

The queue's tasks go through a holding queue (`topology.migrating.<queue>`): bound like the queue first, so
publishers keep landing somewhere while the queue is deleted and declared again; the unroutable net keeps any
task published while neither is bound. Each step done is recorded in the vhost, as the apply record is
(`planning.history`): an internal exchange (`topology.migration.<queue>`) carries the number of the last step
done in an argument, so an interrupted migration (the CLI killed, the connection lost, a node down) is read
with the vhost and the next `apply --migrate` goes on from the step after it. Every step can be done again
without harm: a rerun of the step that was under way when it stopped finishes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import TYPE_CHECKING

from topology.model import Binding, Queue

if TYPE_CHECKING:
    from topology.planning.observed import LiveBinding

HOLDING_PREFIX = "topology.migrating."
RECORD_PREFIX = "topology.migration."
RECORD_ARGUMENT = "x-topology-migration"


class Mover(str, Enum):
    """What moves a migration's messages: RabbitMQ's shovel plugin, or the project's confirmed replay."""

    SHOVEL = "shovel"
    REPLAY = "replay"


MOVING_RATE = {Mover.SHOVEL: 7000.0, Mover.REPLAY: 250.0}
"""Messages moved a second, as `scripts/bench --migrate` measured them (docs/performance.md): what plan's
expected durations are worked out with."""


class StepNo(IntEnum):
    """The steps of one queue's migration, in order; the record keeps the number of the last one done."""

    DECLARE_HOLDING = 1
    BIND_HOLDING = 2
    UNBIND_QUEUE = 3
    MOVE_OUT = 4
    DELETE_QUEUE = 5
    DECLARE_QUEUE = 6
    MOVE_BACK = 7
    DROP_HOLDING = 8


def holding_queue(queue: str) -> str:
    return f"{HOLDING_PREFIX}{queue}"


def record_exchange(queue: str) -> str:
    return f"{RECORD_PREFIX}{queue}"


def is_migration_object(name: str) -> bool:
    """A holding queue or a migration's record: `apply --migrate`'s own, never drift."""
    return name.startswith((HOLDING_PREFIX, RECORD_PREFIX))


@dataclass(frozen=True)
class MigrationRecord:
    queue: str
    done: int  # the last step done (0: none yet)
    started_at: str

    def argument(self) -> str:
        return json.dumps({"queue": self.queue, "done": self.done, "started_at": self.started_at}, sort_keys=True)

    @classmethod
    def from_argument(cls, text: object) -> MigrationRecord | None:
        """The record, or None when the argument holds something else."""
        try:
            value = json.loads(text) if isinstance(text, str) else {}
            return cls(str(value["queue"]), int(value["done"]), str(value["started_at"]))
        except (ValueError, TypeError, KeyError):
            return None


@dataclass(frozen=True)
class MigrationStep:
    number: StepNo
    says: str  # what it does, for plan and apply


@dataclass(frozen=True)
class Migration:
    """One queue's migration as planned: from what to what, what it moves and whom it interrupts."""

    queue: str
    changes: tuple[tuple[str, object, object], ...]  # (property, on the broker, in routing.yaml)
    messages: int | None  # ready messages that would move (None: not known)
    consumers: int | None
    resumes_after: int = 0  # the last step a previous, interrupted migration recorded as done
    desired: Queue | None = field(default=None, compare=False, repr=False)  # the queue as routing.yaml declares it
    bind: tuple[Binding, ...] = field(default=(), compare=False, repr=False)  # the file's bindings of the queue
    unbind: tuple[LiveBinding, ...] = field(default=(), compare=False, repr=False)  # the broker's, to take off

    @property
    def holding(self) -> str:
        return holding_queue(self.queue)

    @property
    def steps(self) -> tuple[MigrationStep, ...]:
        return tuple(s for s in steps_of(self) if s.number > self.resumes_after)

    def expected_seconds(self, rate: float) -> float | None:
        """Moving the ready messages out and back at `rate` messages a second (None: the count is unknown)."""
        return None if self.messages is None else 2 * self.messages / rate


def steps_of(migration: Migration) -> tuple[MigrationStep, ...]:
    queue, holding = migration.queue, migration.holding
    bound = f"{len(migration.bind)} binding{'' if len(migration.bind) == 1 else 's'}"
    consumers = "" if not migration.consumers else f" (its {migration.consumers} consumer(s) cancelled: workers wait)"
    return (
        MigrationStep(StepNo.DECLARE_HOLDING, f"declare the holding queue {holding!r} (durable)"),
        MigrationStep(StepNo.BIND_HOLDING, f"bind {holding!r} with the {bound} of {queue!r}: publishers land there"),
        MigrationStep(StepNo.UNBIND_QUEUE, f"unbind {queue!r}"),
        MigrationStep(StepNo.MOVE_OUT, f"move the messages of {queue!r} into {holding!r}"),
        MigrationStep(StepNo.DELETE_QUEUE, f"delete {queue!r} once its consumers hold no unacked task{consumers}"),
        MigrationStep(StepNo.DECLARE_QUEUE, f"declare {queue!r} as routing.yaml says, and bind it"),
        MigrationStep(StepNo.MOVE_BACK, f"unbind {holding!r}, move its messages back into {queue!r}"),
        MigrationStep(StepNo.DROP_HOLDING, f"delete {holding!r} and the migration's record"),
    )

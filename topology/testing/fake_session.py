"""A broker session without a broker, for the decisions plan, apply and inspect make on what they read.

It holds a vhost's state as a value and records what a command would send; it models none of RabbitMQ's
behaviour (live tests in tests/live do that). It can refuse chosen objects and lose the connection once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from topology.broker.amqp import Refusal
from topology.broker.migrate import Moved
from topology.broker.pipeline import Progress
from topology.broker.recover import Read
from topology.broker.settings import Settings, resolve_settings
from topology.errors import ConnectionLost, ManagementUnreachable
from topology.model import Policy, Ref, Topology
from topology.planning.activity import Traffic
from topology.planning.history import ApplyRecord
from topology.planning.migration import MigrationRecord, Mover
from topology.planning.observed import Counts, LiveState
from topology.planning.operations import Operation


@dataclass
class FakeSession:
    live: LiveState
    counted: Counts = field(default_factory=dict)  # what `counts` answers, by queue
    refuse: dict[Ref, Refusal] = field(default_factory=dict)  # operations on these objects are refused
    management_down: bool = False  # the state is then `live` as AMQP alone would tell it
    lose_connection_once: bool = False
    sent: list[list[Operation]] = field(default_factory=list)  # every phase sent, in order
    policies: list[Policy] = field(default_factory=list)
    asked: list[tuple[str, ...]] = field(default_factory=list)  # the names of every `counts` call
    kept_in: dict[str, Read] = field(default_factory=dict)  # what `kept` answers, by queue
    reads: int = 0
    seen_traffic: Traffic = field(default_factory=Traffic)  # what `traffic` answers
    records: list[ApplyRecord] = field(default_factory=list)  # every apply recorded, in order
    counted_by_api: str = ""  # why counts came from the management API (never, here)
    moves: list[tuple[str, str]] = field(default_factory=list)  # every move asked, (source, target)
    migration_records: list[MigrationRecord] = field(default_factory=list)  # every migration step recorded
    shovel: bool = False  # what `mover` answers: the shovel plugin on
    _settings: Settings = field(default_factory=lambda: resolve_settings("amqp://guest:guest@fake:5672/v"))

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def unreachable(self) -> ManagementUnreachable | None:
        return ManagementUnreachable("the management API did not answer (fake)") if self.management_down else None

    def state(self, topology: Topology, *, check_properties: bool = True) -> LiveState:
        self.reads += 1
        return self.live

    def counts(self, names: Sequence[str], *, stop_at_refusal: bool = False) -> Counts:
        self.asked.append(tuple(names))
        answered: Counts = {}
        for name in names:
            if name not in self.counted and stop_at_refusal:
                break  # a refused declare ends the asking, as on the broker
            answered[name] = self.counted.get(name)
        return answered

    def send(self, phases: Sequence[Sequence[Operation]], progress: Progress | None = None) -> dict[Ref, Refusal]:
        if self.lose_connection_once:
            self.lose_connection_once = False
            raise ConnectionLost("lost the connection (fake)")
        self.sent.extend(list(phase) for phase in phases)
        return {op.ref: self.refuse[op.ref] for phase in phases for op in phase if op.ref in self.refuse}

    def put_policy(self, policy: Policy) -> None:
        self.policies.append(policy)

    def traffic(self) -> Traffic:
        return self.seen_traffic

    def record_apply(self, record: ApplyRecord) -> None:
        """Recorded, and read with the vhost from then on, as the record exchange is."""
        if self.management_down:
            raise ManagementUnreachable("the management API did not answer (fake)")
        self.records.append(record)
        self.live = replace(self.live, recorded=record)

    def reread(self) -> None:
        pass

    def kept(self, queue: str, limit: int) -> Read:
        read = self.kept_in.get(queue, Read((), 0))
        return Read(read.tasks[:limit], read.ready)

    def mover(self) -> Mover:
        return Mover.SHOVEL if self.shovel else Mover.REPLAY

    def record_migration(self, record: MigrationRecord, owner: str) -> None:
        self.migration_records.append(record)

    def forget_migration(self, queue: str) -> None:
        self.migration_records.append(MigrationRecord(queue, -1, ""))  # -1: forgotten

    def move(self, source: str, target: str, how: Mover) -> Moved:
        self.moves.append((source, target))
        return Moved(how, 0, 0.0)

    def settle(self, queue: str, target: str, how: Mover) -> int:
        return 0

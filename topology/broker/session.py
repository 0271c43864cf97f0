"""One vhost of one broker, as a command sees it: read once, counted live, changed in phases.

The session starts reading the vhost's definitions (management API) the moment it is made, on a thread:
on a large vhost the read takes as long as loading routing.yaml, which the command does meanwhile. It
decides once whether the state comes from those definitions or, when the management API does not answer,
from AMQP alone (`probe`). Counts of ready messages and consumers always come from AMQP passive
declares, which are live (the API's counters lag by its statistics interval). Changes go out through
`pipeline`. Commands take a `Session`; `topology.testing.fake_session` is one without a broker.
Only what sending the read needs is imported with this module; pika, the planner and the model come
later, while the broker answers (start-up is measured).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol, TypeVar

from topology import hints
from topology.broker.management import ManagementClient
from topology.broker.settings import Settings
from topology.errors import BrokerUnavailable, ConnectionLost, ManagementUnreachable

if TYPE_CHECKING:
    from topology.broker.amqp import Refusal
    from topology.broker.lock import ApplyLock
    from topology.broker.migrate import Moved
    from topology.broker.pipeline import Progress
    from topology.broker.recover import Read
    from topology.model import Policy, Ref, Topology
    from topology.planning.activity import Traffic
    from topology.planning.history import ApplyRecord
    from topology.planning.migration import MigrationRecord, Mover
    from topology.planning.observed import ClusterState, Counts, LiveState
    from topology.planning.operations import Operation

COUNTING_FAN_OUT = (1, 4)  # connections, channels on each: see `VhostSession.counts`
CLOSE_WAIT_SECONDS = 15.0
"""How long `close` waits for reads still under way: each is bounded by its own timeout (the management
API's, an AMQP handshake's) below this."""
T = TypeVar("T")


class Session(Protocol):
    """What plan, apply and inspect need of a broker."""

    @property
    def settings(self) -> Settings: ...

    @property
    def unreachable(self) -> ManagementUnreachable | None:
        """Why the management API did not answer, once `state` has found it did not."""

    def state(self, topology: Topology, *, check_properties: bool = True) -> LiveState:
        """The vhost's state; without the management API, what AMQP tells of the file's own objects."""

    counted_by_api: str
    """Why the last counts came from the management API instead of passive declares (empty: they did not)."""

    def counts(self, names: Sequence[str], *, stop_at_refusal: bool = False) -> Counts:
        """Live counts of `names`. `stop_at_refusal`, for names that may not all exist: the first refusal
        ends the asking, and the queues not answered by then are left out."""

    def send(self, phases: Sequence[Sequence[Operation]], progress: Progress | None = None) -> dict[Ref, Refusal]:
        """Run each phase's operations, phase after phase: what RabbitMQ refused, by object."""

    def put_policy(self, policy: Policy) -> None: ...

    def traffic(self) -> Traffic:
        """Every queue's statistics and every consumer of the vhost (management API; none without it)."""

    def kept(self, queue: str, limit: int) -> Read:
        """Up to `limit` tasks a net's queue keeps, read without consuming them (`broker.recover`)."""

    def record_apply(self, record: ApplyRecord) -> None:
        """Keep `record` in the vhost, in place of the last one (`planning.history`)."""

    def reread(self) -> None:
        """Forget the state read so far: the next `state` reads the vhost again."""

    def mover(self) -> Mover:
        """What would move a migration's messages on this broker (`broker.migrate`)."""

    def record_migration(self, record: MigrationRecord, owner: str) -> None:
        """Keep the last step a migration did in the vhost, in place of the one before (`planning.migration`)."""

    def forget_migration(self, queue: str) -> None:
        """The migration's record deleted: it is done."""

    def move(self, source: str, target: str, how: Mover) -> Moved:
        """Every message of queue `source` moved into `target`."""

    def settle(self, queue: str, target: str, how: Mover) -> int:
        """Wait until `queue`'s consumers hold none of its messages unacknowledged (`broker.migrate.settle`)."""


class VhostSession:
    """`traffic`: also read the vhost's statistics and consumers from the start, beside the definitions,
    for the commands that show them (inspect, workers); plan and apply do not pay for them.

    `lock_wait`: first take the vhost's apply lock (`broker.lock`), waiting up to that many seconds, and
    read only once it is held, until `close`: what is read cannot change under the plan made from it.

    `prove_amqp`: also open and close an AMQP connection meanwhile, for a command that may otherwise use
    only the management API (a plan with nothing to do): its state is then only given once the broker's
    AMQP endpoint (TLS included) has answered as workers will need it to. The lock's connection proves as
    much for apply; inspect's passive declares for inspect.

    `check_cluster`: also check meanwhile that the management API belongs to the broker's cluster
    (`broker.failover`), for settings whose API was guessed: `state`, and every other method that reads the
    API or changes anything, raises InvalidSettings if it does not, so nothing is changed on another broker."""

    def __init__(
        self,
        settings: Settings,
        *,
        traffic: bool = False,
        lock_wait: float | None = None,
        prove_amqp: bool = False,
        check_cluster: bool = False,
    ) -> None:
        self._settings = settings
        self.management = ManagementClient(settings.management)
        self._unreachable: ManagementUnreachable | None = None
        self._lock: ApplyLock | None = None
        self._lock_wait = lock_wait
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._reading = self._in_background(self._read)
        self._placing = self._in_background(self._read_cluster)
        self._amqp_proof = self._in_background(lambda: _open_and_close(settings)) if prove_amqp else None
        self._cluster_check = self._in_background(lambda: _check_cluster(settings)) if check_cluster else None
        self._traffic = self._in_background(self._read_traffic) if traffic else None
        self.counted_by_api = ""  # why counts came from the management API instead of passive declares

    def __enter__(self) -> VhostSession:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _in_background(self, work: Callable[[], T]) -> Future[T]:
        """`work` started on a thread of this session's, which `close` waits for."""
        future: Future[T] = Future()

        def run_it() -> None:
            try:
                future.set_result(work())
            except BaseException as error:
                future.set_exception(error)

        # daemon: should one outlive `close`'s wait (a broker that never answers), the process still ends
        thread = threading.Thread(target=run_it, daemon=True)
        self._threads.append(thread)
        thread.start()
        return future

    def _read(self) -> LiveState:
        lock_wait = self._lock_wait
        if lock_wait is not None and (self._lock is None or not self._lock.held):
            from topology.broker.lock import acquire, lock_connection

            try:
                connection = lock_connection(self._settings)
            except BrokerUnavailable as error:
                try:
                    self.management.state(self._settings.vhost)
                except ManagementUnreachable as unreachable:  # one line that tells of both
                    both = f"{error} (and the management API did not answer either: {unreachable})"
                    raise BrokerUnavailable(both) from None
                raise
            self._lock = acquire(connection, self._settings, lock_wait, _on_stderr, self._stopping)
        return self.management.state(self._settings.vhost)

    def _read_cluster(self) -> ClusterState:
        """Which nodes run and where each queue lives, beside the definitions (which tell neither)."""
        return self.management.placement(self._settings.vhost)

    def _checked(self) -> None:
        """Raises InvalidSettings once the API is found to be another broker's (`check_cluster`)."""
        if self._cluster_check is not None:
            self._cluster_check.result()

    def close(self) -> None:
        """Stop and wait for the session's reads (a thread still reading as the interpreter shuts down can
        crash it), then release the apply lock, if this session holds it (closing the process does too).
        Every command that makes a session closes it, however it ends: `cli.main` makes sure."""
        self._stopping.set()
        deadline = time.monotonic() + CLOSE_WAIT_SECONDS
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def unreachable(self) -> ManagementUnreachable | None:
        return self._unreachable

    def state(self, topology: Topology, *, check_properties: bool = True) -> LiveState:
        self._checked()
        try:
            state = self._reading.result()
        except ManagementUnreachable as unreachable:
            from topology.broker.probe import probe_state

            self._unreachable = unreachable
            return probe_state(topology, self._settings, unreachable, check_properties=check_properties)
        if self._amqp_proof is not None:
            self._amqp_proof.result()  # raises BrokerUnavailable with the reason and the fix
        if any(e.type.plugin for e in topology.exchanges):
            state = replace(state, exchange_types=self.management.exchange_types())
        try:
            return replace(state, cluster=self._placing.result())
        except BrokerUnavailable:  # it answered the definitions a moment ago: the placement is left unknown
            return state

    def counts(self, names: Sequence[str], *, stop_at_refusal: bool = False) -> Counts:
        """Passive declares, live. A user the broker refuses them to (RabbitMQ 4.3 asks for the read
        permission; earlier versions for none) gets the management API's counts instead, which lag by its
        statistics interval: `counted_by_api` then says so."""
        from topology.broker.amqp import NOT_FOUND
        from topology.broker.handshake import ACCESS_REFUSED
        from topology.broker.pipeline import run
        from topology.model import Kind, Ref
        from topology.planning.operations import passive

        counts: Counts = {}
        if not names:
            return counts
        operations = [passive(Ref(Kind.QUEUE, name)) for name in names]
        # Pipelined, the broker answers a channel's declares as fast as this process reads the replies: one
        # connection is enough, and a few channels let the broker's cores answer in parallel.
        outcomes = run(self._settings, [operations], fan_out=COUNTING_FAN_OUT, stop_at_refusal=stop_at_refusal)
        denied = []
        for outcome in outcomes:
            name = outcome.operation.ref.name
            if outcome.reply is not None:
                counts[name] = (outcome.reply.message_count, outcome.reply.consumer_count)
            elif outcome.refusal is not None and outcome.refusal.code == ACCESS_REFUSED:
                denied.append(name)
            elif stop_at_refusal or (outcome.refusal is not None and outcome.refusal.code == NOT_FOUND):
                counts[name] = None
            else:
                raise ConnectionLost(f"RabbitMQ refused to tell how many messages queue {name!r} holds")
        if denied and not stop_at_refusal:  # with stop_at_refusal, asked again once the definitions are read
            counts |= self._counted_by_api(denied)
        return counts

    def _counted_by_api(self, names: Sequence[str]) -> Counts:
        listed = self.management.queue_counts(self._settings.vhost)
        user = self._settings.broker.username
        self.counted_by_api = (
            f"RabbitMQ refused user {user!r} passive declares (403): ready messages and consumers are the "
            "management API's, which lag by its statistics interval; "
            + hints.read_permission(self._settings.vhost, user)
        )
        return {name: listed.get(name) for name in names}

    def send(self, phases: Sequence[Sequence[Operation]], progress: Progress | None = None) -> dict[Ref, Refusal]:
        """Phases without a delete that must find its queue idle go out pipelined, as many at once as run
        one after the other; such deletes are made one by one (`broker.deletes`), in their phase's turn."""
        self._checked()
        from topology.broker.deletes import delete_if_idle
        from topology.broker.pipeline import run

        refused: dict[Ref, Refusal] = {}
        pipelined: list[Sequence[Operation]] = []
        for phase in [*phases, None]:  # None: the end, where what is gathered goes out
            checked = [op for op in phase or () if op.if_idle]
            if phase is not None and not checked:
                pipelined.append(phase)
                continue
            outcomes = run(self._settings, pipelined, progress=progress)
            refused |= {o.operation.ref: o.refusal for o in outcomes if o.refusal is not None}
            pipelined = [[op for op in phase or () if not op.if_idle]]
            if checked:
                refused |= delete_if_idle(self._settings, checked)
                if progress is not None:
                    progress(len(checked))
        return refused

    def put_policy(self, policy: Policy) -> None:
        self._checked()
        self.management.put_policy(self._settings.vhost, policy)

    def traffic(self) -> Traffic:
        self._checked()
        return self._traffic.result() if self._traffic is not None else self._read_traffic()

    def _read_traffic(self) -> Traffic:
        from topology.broker.activity import read_traffic

        return read_traffic(self.management, self._settings.vhost)

    def record_apply(self, record: ApplyRecord) -> None:
        self._checked()
        self.management.record_apply(self._settings.vhost, record)

    def reread(self) -> None:
        self._reading = self._in_background(self._read)
        self._placing = self._in_background(self._read_cluster)

    def mover(self) -> Mover:
        self._checked()
        from topology.broker.migrate import mover

        return mover(self.management)

    def record_migration(self, record: MigrationRecord, owner: str) -> None:
        self._checked()
        from topology.broker.migrate import record as record_step

        record_step(self.management, self._settings.vhost, record, owner)

    def forget_migration(self, queue: str) -> None:
        self._checked()
        from topology.broker.migrate import forget

        forget(self.management, self._settings.vhost, queue)

    def move(self, source: str, target: str, how: Mover) -> Moved:
        self._checked()
        from topology.broker.migrate import move

        return move(self._settings, self.management, source, target, how)

    def settle(self, queue: str, target: str, how: Mover) -> int:
        self._checked()
        from topology.broker.migrate import settle

        return settle(self._settings, self.management, queue, target, how)

    def kept(self, queue: str, limit: int) -> Read:
        self._checked()
        from topology.broker.recover import read_kept

        return read_kept(self._settings, queue, limit)


def _open_and_close(settings: Settings) -> None:
    from topology.broker.handshake import prove_amqp

    prove_amqp(settings)


def _check_cluster(settings: Settings) -> None:
    from topology.broker.failover import check_cluster

    check_cluster(settings)


def _on_stderr(said: str) -> None:
    print(said, file=sys.stderr)

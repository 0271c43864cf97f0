"""A migration's broker side (`planning.migration`): its record in the vhost, and its messages moved.

Messages move with RabbitMQ's own shovel when the plugin is on: a dynamic shovel made through the management
API (`ack-mode: on-confirm`: a message leaves its queue once the destination confirmed it;
`src-delete-after: queue-length`: it moves what the queue holds when it starts, then deletes itself), which
this waits for. When the plugin is off, the project's confirmed replay moves them (`broker.recover`): each
message got, published to the destination with a confirm, and only then acknowledged. Either way a message
is in one queue or the other, or, after a kill between confirm and ack, in both: never in neither.

A queue is deleted only once its consumers hold none of its messages unacknowledged: RabbitMQ would drop
them with the queue, and a worker that restarts its connection (as ours does when its consumer is cancelled)
forgets the tasks it prefetched, counting on RabbitMQ to deliver them again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pika.exceptions

from topology import hints
from topology.broker.amqp import connect
from topology.broker.management import ManagementClient, segment
from topology.broker.settings import Settings
from topology.errors import BrokerUnavailable, ConnectionLost
from topology.model import OWNER_ARGUMENT, Destination
from topology.planning.migration import RECORD_ARGUMENT, MigrationRecord, Mover, record_exchange

POLL_SECONDS = 0.2
SHOVEL_TIMEOUT_SECONDS = 3600.0
STATISTICS_SECONDS = 5.0
"""RabbitMQ's default statistics interval (collect_statistics_interval): an unacknowledged count of 0 is
believed only from a reading made at least this long after the last move, not an older one."""
SETTLE_TIMEOUT_SECONDS = 600.0


@dataclass(frozen=True)
class Moved:
    mover: Mover
    messages: int  # how many were moved (with the shovel: how many the source held when it started)
    seconds: float


def record(management: ManagementClient, vhost: str, migration: MigrationRecord, owner: str) -> None:
    """The record exchange declared again with `migration` (an exchange's arguments cannot change)."""
    path = f"/exchanges/{segment(vhost)}/{segment(record_exchange(migration.queue))}"
    arguments = {RECORD_ARGUMENT: migration.argument(), OWNER_ARGUMENT: owner}
    management.delete(path, allow_404=True)
    body = {"type": "fanout", "durable": True, "auto_delete": False, "internal": True, "arguments": arguments}
    management.put(path, body)


def forget(management: ManagementClient, vhost: str, queue: str) -> None:
    management.delete(f"/exchanges/{segment(vhost)}/{segment(record_exchange(queue))}", allow_404=True)


def mover(management: ManagementClient) -> Mover:
    """The shovel when its plugin is on, with its management extension (listed among the API's extensions),
    which makes dynamic shovels through the API; else confirmed replay."""
    extensions = management.get("/extensions")
    on = any("shovel" in str(e.get("javascript", "")) for e in extensions if isinstance(e, dict))
    return Mover.SHOVEL if on else Mover.REPLAY


def move(settings: Settings, management: ManagementClient, source: str, target: str, how: Mover) -> Moved:
    """Every message `source` holds moved into `target`, the end waited for."""
    started = time.monotonic()
    if how is Mover.SHOVEL:
        moved = _shovel(settings, management, source, target)
    else:
        from topology.broker.recover import replay_kept

        replayed = replay_kept(settings, source, lambda _: Destination("", target))
        moved = len(replayed.replayed)
        if replayed.interrupted:
            raise ConnectionLost(f"moving {source!r} into {target!r} was interrupted: run `{hints.MIGRATE}` again")
    return Moved(how, moved, time.monotonic() - started)


def _shovel(settings: Settings, management: ManagementClient, source: str, target: str) -> int:
    """Shovels one after the other until `source` is empty. A shovel that moves the queue's length stops once
    it has moved that many; a worker consuming `source` meanwhile (step 4) takes some, and it would wait for
    ever: it is deleted once `source` has no ready message (those it got but had not yet had confirmed go back
    to `source`, on-confirm, and the next shovel takes them)."""
    vhost = segment(settings.vhost)
    name = f"topology.migrate.{source}.to.{target}"
    path = f"/parameters/shovel/{vhost}/{segment(name)}"
    uri = f"amqp:///{vhost}"
    value = {
        "src-protocol": "amqp091",
        "src-uri": uri,
        "src-queue": source,
        "dest-protocol": "amqp091",
        "dest-uri": uri,
        "dest-queue": target,
        "ack-mode": "on-confirm",
        "src-delete-after": "queue-length",
    }
    deadline = time.monotonic() + SHOVEL_TIMEOUT_SECONDS
    with _counting(settings) as ready:
        first = left = ready(source)
        while left or management.get(path, allow_404=True) is not None:  # one an interrupted run left: waited for
            if management.get(path, allow_404=True) is None:
                management.put(path, {"value": value})
            empty = 0
            while management.get(path, allow_404=True) is not None and empty < 5:  # it deletes itself once done
                _check_shovel(management, vhost, name, path, deadline)
                empty = empty + 1 if ready(source) == 0 else 0
                time.sleep(POLL_SECONDS)
            management.delete(path, allow_404=True)
            left = ready(source)
    return first


def _check_shovel(management: ManagementClient, vhost: str, name: str, path: str, deadline: float) -> None:
    listed = management.get(f"/shovels/{vhost}", allow_404=True) or []
    status = next((s for s in listed if isinstance(s, dict) and s.get("name") == name), {})
    if status.get("state") == "terminated" or time.monotonic() > deadline:
        reason = status.get("reason", "no reason given") if status else "timeout"
        management.delete(path, allow_404=True)
        raise BrokerUnavailable(f"the shovel {name!r} stopped ({reason}): run `{hints.MIGRATE}` again")


@contextmanager
def _counting(settings: Settings) -> Iterator[Callable[[str], int]]:
    """A queue's ready messages, live (passive declares: the API's counts lag); 0 for a queue gone."""
    connection = connect(settings, "topology apply --migrate")
    channel = connection.channel()

    def ready(queue: str) -> int:
        nonlocal channel
        try:
            return int(channel.queue_declare(queue, passive=True).method.message_count)
        except pika.exceptions.ChannelClosedByBroker:
            channel = connection.channel()
            return 0

    try:
        yield ready
    except pika.exceptions.AMQPConnectionError as error:
        raise ConnectionLost(f"lost the connection to RabbitMQ while moving messages: {error}") from None
    finally:
        if connection.is_open:
            connection.close()


def settle(settings: Settings, management: ManagementClient, queue: str, target: str, how: Mover) -> int:
    """Wait until `queue`'s consumers hold none of its messages unacknowledged, moving into `target` any that
    come back to it meanwhile (a worker that rejected or lost them): how many were moved so."""
    moved, last_move = 0, time.monotonic()
    deadline = last_move + SETTLE_TIMEOUT_SECONDS
    # the whole queue: RabbitMQ 4.3 answers this request with `?columns=` as an empty list
    path = f"/queues/{segment(settings.vhost)}/{segment(queue)}"
    while time.monotonic() < deadline:
        seen = management.get(path, allow_404=True)
        if seen is None:
            return moved  # deleted already (a rerun of the step)
        if seen.get("state") == "down":
            raise BrokerUnavailable(
                f"queue {queue!r} is on a cluster node that is down: its messages are there until the node is back; "
                f"bring it back, then run `{hints.MIGRATE}` again"
            )
        if seen.get("messages_ready"):
            moved += move(settings, management, queue, target, how).messages
            last_move = time.monotonic()
        elif seen.get("messages_unacknowledged") == 0 and time.monotonic() - last_move >= STATISTICS_SECONDS:
            return moved  # 0 counted, not merely absent (no statistics yet)
        time.sleep(POLL_SECONDS * 5)
    raise BrokerUnavailable(
        f"queue {queue!r}'s consumers still hold messages unacknowledged after {SETTLE_TIMEOUT_SECONDS:.0f} s: "
        f"it is left in place; run `{hints.MIGRATE}` again once they finish"
    )

"""What the management API says of a vhost's traffic: every queue's backlog, and who consumes what.

Statistics, so they lag by the broker's collection interval (5 s by default); the live counts of the
file's queues still come from AMQP (`VhostSession.counts`). Two or three GETs, each of the columns used.
"""

from __future__ import annotations

from typing import Any

from topology.broker.management import ManagementClient, segment
from topology.errors import ManagementUnreachable
from topology.planning.activity import QueueActivity, Traffic
from topology.planning.consumers import Consumer, celery_own

QUEUE_STATISTICS = "name,messages_ready,messages_unacknowledged,consumers,head_message_timestamp"
CONNECTION_COLUMNS = "name,client_properties,state"
CHANNEL_COLUMNS = "name,prefetch_count,global_prefetch_count"


def read_traffic(client: ManagementClient, vhost: str) -> Traffic:
    try:
        return Traffic(tuple(queue_activity(client, vhost)), tuple(consumers(client, vhost)))
    except ManagementUnreachable as unreachable:
        return Traffic(unseen=f"queue statistics and consumers not read: {unreachable}")


def queue_activity(client: ManagementClient, vhost: str) -> list[QueueActivity]:
    """Every queue of `vhost` but Celery's own, exclusive ones included, by name."""
    queues = client.get(f"/queues/{segment(vhost)}?columns={QUEUE_STATISTICS}")
    return sorted((_activity(q) for q in queues if not celery_own(q["name"])), key=lambda q: q.name)


def _activity(record: dict[str, Any]) -> QueueActivity:
    timestamp = record.get("head_message_timestamp")
    return QueueActivity(
        record["name"],
        record.get("messages_ready"),
        record.get("messages_unacknowledged"),
        record.get("consumers"),
        float(timestamp) if isinstance(timestamp, (int, float)) else None,
    )


def consumers(client: ManagementClient, vhost: str) -> list[Consumer]:
    """Every consumer of `vhost`'s queues but Celery's own (events, remote control, rpc:// replies), with its
    connection's client properties and state."""
    listed = client.get(f"/consumers/{segment(vhost)}")
    if not listed:
        return []
    connections = _by_name(client.get(f"/vhosts/{segment(vhost)}/connections?columns={CONNECTION_COLUMNS}"))
    channels = _by_name(client.get(f"/vhosts/{segment(vhost)}/channels?columns={CHANNEL_COLUMNS}"))
    found = (_consumer(c, connections, channels) for c in listed if not celery_own(c["queue"]["name"]))
    return sorted(found, key=lambda c: (c.queue, c.tag))


def _by_name(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {record["name"]: record for record in records}


def _consumer(
    record: dict[str, Any], connections: dict[str, dict[str, Any]], channels: dict[str, dict[str, Any]]
) -> Consumer:
    channel = record.get("channel_details") or {}
    connection = connections.get(channel.get("connection_name", ""), {})
    properties = connection.get("client_properties") or {}
    # kombu sets the prefetch with basic.qos for the channel: the consumer's own then reads 0 (unlimited)
    on_channel = channels.get(channel.get("name", ""))
    prefetch = record.get("prefetch_count") or None
    if prefetch is None and on_channel is not None:
        prefetch = on_channel.get("prefetch_count") or on_channel.get("global_prefetch_count") or 0
    return Consumer(
        queue=record["queue"]["name"],
        tag=record.get("consumer_tag", ""),
        connection=channel.get("connection_name", ""),
        peer=f"{channel.get('peer_host', '?')}:{channel.get('peer_port', '?')}",
        prefetch=prefetch,
        active=bool(record.get("active", True)) and record.get("activity_status", "up") in ("up", "single_active"),
        product=str(properties.get("product", "")),
        connection_state=str(connection.get("state", "running")),
        properties=properties,
        node=str(channel.get("node", "")),
    )

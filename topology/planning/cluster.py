"""The cluster under a vhost, as inspect diagnoses it: nodes down, quorum members down, leaders crowded on one
node, and consumers RabbitMQ still counts although their channels died with a node. Pure.

A classic queue lives on one node, a quorum queue on several members of which one leads (it takes every
publish and delivery); the management API tells which (`ClusterState`). What lives on a down node still exists
and comes back with it: it is diagnosed here and in the plan (`Action.UNAVAILABLE`), never called missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from topology import hints
from topology.codes import Code
from topology.model import Kind, Ref, Topology
from topology.planning.consumers import Consumer
from topology.planning.findings import Finding
from topology.planning.observed import ClusterState, LiveState, Placement

CLUSTER_WARNINGS = frozenset(
    {"node_down", "quorum_member_down", "leaders_on_one_node", "classic_not_replicated", "ghost_consumers"}
)
"""Warnings about the cluster, not about consumers: `inspect --require-consumers` does not fail on them."""


def cluster_findings(topology: Topology, live: LiveState) -> list[Finding]:
    """Each node down; each quorum queue of the file with a member down; all leaders on one node."""
    cluster = live.cluster
    if cluster is None:
        return []
    findings = [_node_down(node) for node in cluster.down]
    quorum = [p for q in topology.queues if (p := cluster.placements.get(q.name)) is not None and p.members]
    findings += [_member_down(p) for p in quorum if p.offline]
    leaders = {p.leader for p in quorum}
    if len(quorum) > 1 and len(cluster.running) > 1 and len(leaders) == 1 and None not in leaders:
        message = (
            f"the leaders of all {len(quorum)} quorum queues of routing.yaml are on node {quorum[0].leader}, one "
            f"of {len(cluster.running)} running nodes: it takes every publish and delivery while the others idle"
        )
        findings.append(
            Finding(Code.LEADERS_ON_ONE_NODE, Ref(Kind.NODE, str(quorum[0].leader)), message, hints.REBALANCE)
        )
    return findings


def _node_down(node: str) -> Finding:
    message = (
        f"cluster node {node} is down: queues that live only on it (classic) cannot be reached; quorum queues "
        "with a member on it run on the others while a majority of their members runs"
    )
    return Finding(Code.NODE_DOWN, Ref(Kind.NODE, node), message, hints.node_down(node))


def _member_down(placement: Placement) -> Finding:
    ref, down = Ref(Kind.QUEUE, placement.name), ", ".join(placement.offline)
    where = f"leader {placement.leader}, {len(placement.online)} of {len(placement.members)} members online"
    if placement.has_quorum:
        message = f"quorum queue {placement.name!r} ({where}): member {down} is down; the majority runs it"
        return Finding(Code.QUORUM_MEMBER_DOWN, ref, message, hints.node_down(down))
    message = f"quorum queue {placement.name!r} ({where}): members {down} are down, no majority runs it"
    return Finding(Code.QUORUM_LOST, ref, message, hints.restore_quorum(placement.name))


def live_consumers(consumers: Sequence[Consumer], cluster: ClusterState | None) -> tuple[Consumer, ...]:
    """The consumers whose channel lives on a running node: one on a node that is down delivers nothing."""
    down = set(cluster.down) if cluster is not None else set()
    return tuple(c for c in consumers if c.node not in down)


def without_ghosts(live: LiveState, consumers: Sequence[Consumer]) -> tuple[LiveState, list[Finding]]:
    """With a node down, a quorum queue keeps counting the consumers whose channels died with it (its passive
    declare says so) until the node is back: the live count is then the consumers the running nodes list.
    `consumers`: the vhost's consumers as the management API lists them (`live_consumers`)."""
    if live.cluster is None or not live.cluster.down:
        return live, []
    listed: dict[str, int] = {}
    for consumer in consumers:
        listed[consumer.queue] = listed.get(consumer.queue, 0) + 1
    queues, findings = dict(live.queues), []
    for name, queue in live.queues.items():
        running = listed.get(name, 0)
        if queue.consumers is None or queue.consumers <= running:
            continue
        ghosts = queue.consumers - running
        message = (
            f"queue {name!r}: RabbitMQ counts {hints.counted(queue.consumers, 'consumer')}, of which "
            f"{ghosts} had their channel on a node now down ({', '.join(live.cluster.down)}): "
            f"{running} live, shown as such"
        )
        fix = "nothing to do: the count is right again once the node is back (its workers reconnect elsewhere)"
        findings.append(Finding(Code.GHOST_CONSUMERS, Ref(Kind.QUEUE, name), message, fix))
        queues[name] = replace(queue, consumers=running)
    return replace(live, queues=queues), findings

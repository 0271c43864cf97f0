"""Every fix a message tells the user, written once: the commands that set RabbitMQ or this tool right.

Each is the exact command to run, so that a message and its test can both name it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

APPLY = "python -m topology apply"
MIGRATE = f"{APPLY} --migrate"
ENABLE_SHOVEL = "rabbitmq-plugins enable rabbitmq_shovel rabbitmq_shovel_management"
ENABLE_MANAGEMENT = (
    "enable it with `rabbitmq-plugins enable rabbitmq_management`, or point --management-url "
    "($RABBITMQ_MANAGEMENT_URL) at it"
)
MANAGEMENT_OF_CLUSTER = (
    "point --management-url ($RABBITMQ_MANAGEMENT_URL) at the management API of the broker's own cluster "
    "(a ';'-separated list for several nodes)"
)
FIX_BROKER_URL = "fix the broker URL (--broker or $CELERY_BROKER_URL)"
START_BROKER = (
    "start RabbitMQ (scripts/ensure-rabbitmq does it) or point --broker / $CELERY_BROKER_URL at a running one"
)
INSTALL_GRAPHVIZ = (
    "install Graphviz (`apt-get install graphviz`; scripts/demo and scripts/test install it when run as root), "
    "or use --format dot or --format mermaid"
)
RECOMMENDED_FILE_DESCRIPTORS = 65536
"""RabbitMQ's production checklist: at least 65536 open files for the rabbitmq user. Queues and connections
share them; with too few, queues wait on RabbitMQ's file handle cache and large applies slow to a crawl."""


def grant_permissions(vhost: str, user: str) -> str:
    return f"rabbitmqctl set_permissions -p {vhost} {user} '.*' '.*' '.*'"


def read_permission(vhost: str, user: str) -> str:
    """For a monitoring user: the read permission alone is what live counts take (RabbitMQ 4.3 and later)."""
    return f"for live counts grant it the read permission: rabbitmqctl set_permissions -p {vhost} {user} '' '' '.*'"


def add_vhost(vhost: str, user: str) -> str:
    return f"`rabbitmqctl add_vhost {vhost}` and `{grant_permissions(vhost, user)}`"


def set_user_tag(user: str, tag: str) -> str:
    return f"`rabbitmqctl set_user_tags {user} {tag}` (keeping its other tags)"


def enable_plugin(plugin: str) -> str:
    return f"`rabbitmq-plugins enable {plugin}`, then apply again"


def delete_exchange(vhost: str, name: str) -> str:
    return f"`rabbitmqadmin --vhost={vhost} delete exchange name={name}`"


def delete_queue(vhost: str, name: str) -> str:
    return f"`rabbitmqctl -p {vhost} delete_queue {name}`"


def clear_policy(vhost: str, name: str) -> str:
    return f"`rabbitmqctl clear_policy -p {vhost} {name}`"


def moved_to_policy(arguments: list[str], policy: str) -> str:
    """An x-argument the file now sets by policy, which the live queue still carries as an argument."""
    shown = ", ".join(arguments)
    return (
        f"{shown} is now set by policy {policy!r}, but the queue was declared with it as an argument, which no "
        f"policy removes: one `{apply_with('--recreate')}` is still needed (it deletes the queue once it is empty "
        "and unconsumed, and declares it without; the policy sets it from then on)"
    )


def file_limit(node: str, limit: int | None) -> str:
    """One line on a node's open-file limit, with the fix when it is below what RabbitMQ recommends."""
    if limit is None:
        return f"node {node}: file descriptor limit not reported"
    if limit >= RECOMMENDED_FILE_DESCRIPTORS:
        return f"node {node}: {limit} file descriptors"
    return (
        f"node {node}: {limit} file descriptors, below the {RECOMMENDED_FILE_DESCRIPTORS} RabbitMQ "
        "recommends for production (with too few, queues wait on file handles): raise `ulimit -n` for the "
        "rabbitmq user (LimitNOFILE= under systemd, else ulimit in /etc/default/rabbitmq-server) and restart it"
    )


def list_kept(net: str) -> str:
    """The command that lists a net's tasks (`net`: 'unroutable' or 'dead-letters')."""
    return "python -m topology dead-letters" + (" --unroutable" if net == "unroutable" else "")


def replay_kept(net: str) -> str:
    return "python -m topology replay" + (" --unroutable" if net == "unroutable" else "")


def missing_on_broker(kind: str, name: str) -> str:
    """An exchange or queue of routing.yaml that the broker lacks: only `apply` declares them (workers and
    clients never do, so that nothing is declared behind its back)."""
    return f"{kind} {name!r} does not exist on the broker: run `{APPLY}` (only apply declares exchanges and queues)"


_NOT_FOUND = re.compile(r"NOT_FOUND - no (exchange|queue) '((?:[^']|'(?! in vhost))*)' in vhost")


def not_found(reason: str) -> str | None:
    """The fix for RabbitMQ's `NOT_FOUND - no exchange 'x' in vhost 'v'` (or queue), None for anything else."""
    match = _NOT_FOUND.search(reason)
    return missing_on_broker(match.group(1), match.group(2)) if match else None


CONSUMER_TIMEOUT = (
    "give the queue a longer `consumer_timeout:` in routing.yaml (RabbitMQ 4.x; on 3.x raise the broker-wide "
    "consumer_timeout in rabbitmq.conf), or make the task shorter than it"
)
APPLY_BEFORE_REPLAY = f"run `{APPLY}` first: replayed tasks follow routing.yaml, so the broker must match it"


def apply_with(*flags: str) -> str:
    """The apply that does what a plan made with `flags` showed: `plan --prune` is carried out by `apply --prune`."""
    return " ".join([APPLY, *flags])


def did_you_mean(name: str, candidates: Iterable[str], cutoff: float = 0.6) -> str:
    """` (did you mean 'x'?)` for the closest of `candidates`, or nothing when none is close."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=cutoff)
    return f" (did you mean {close[0]!r}?)" if close else ""


def counted(n: int, one: str, many: str = "") -> str:
    """`1 warning`, `2 warnings`: the plural is `one` + s unless given."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def free_queue(vhost: str, name: str, messages: int, consumers: int, rerun: str) -> str:
    """What to do about a queue that holds messages or has consumers before a delete can go through: its
    consumers are stopped only when it has any, and its messages consumed or dropped only when it holds some."""
    steps = []
    if messages and consumers:
        steps.append(f"let its {counted(consumers, 'consumer')} drain its {counted(messages, 'ready message')}")
    elif messages:
        steps.append(
            f"consume its {counted(messages, 'ready message')} (start a worker on it) or drop them "
            f"(`rabbitmqctl -p {vhost} purge_queue {name}`)"
        )
    if consumers:
        steps.append(f"stop its {counted(consumers, 'consumer')} (the workers consuming it)")
    return f"{', then '.join(steps)}, then run `{rerun}` again"


def by_policy(argument: str, option: str) -> str:
    """An x-argument that a policy can set instead: RabbitMQ changes a policy's settings on a live queue."""
    return (
        f"or set {argument} by a policy, which RabbitMQ changes on a live queue without deleting it: drop "
        f"`{option}` from the queue in routing.yaml and declare it under `policies:` (for example "
        f"`policies: {{name: {{queues: [...], {option}: ...}}}}`)"
    )


def start_worker(app: str | None, queue: str) -> str:
    return f"start a worker on it: `celery -A {app or '<your app>'} worker -Q {queue}`"


REBALANCE = "run `rabbitmq-queues rebalance quorum` to spread the leaders over the running nodes"
REPLICATE = (
    "declare it `type: quorum` in routing.yaml (replicated on the cluster's nodes) if it must survive a node's "
    "loss; changing the type takes deleting the queue: `apply --recreate`"
)


def node_down(node: str) -> str:
    """The fix for a cluster node that is down and what lives only on it: it comes back with its data."""
    return f"start {node} again (on its host: `rabbitmq-server -detached`, or its service): what lives on it comes back"


def queue_on_down_node(node: str) -> str:
    """A queue that exists on a down node cannot be declared elsewhere meanwhile: RabbitMQ refuses it."""
    return f"{node_down(node)}; it cannot be declared again meanwhile (RabbitMQ refuses: the queue still exists)"


def restore_quorum(queue: str) -> str:
    return f"start the members that are down: quorum queue {queue!r} accepts and delivers nothing until a majority runs"


ALARM = (
    "free memory or disk on that node (or raise `vm_memory_high_watermark` / `disk_free_limit` in its "
    "rabbitmq.conf); `rabbitmq-diagnostics alarms` lists them"
)
PARTITION = (
    "restore the network between the nodes; with `cluster_partition_handling = pause_minority` the minority "
    "pauses itself, otherwise restart the nodes of the side to discard (`rabbitmq-diagnostics cluster_status`)"
)
QUORUM_CRITICAL = (
    "start the members that are down before stopping or upgrading this node "
    "(`rabbitmq-queues check_if_node_is_quorum_critical` says when it is safe)"
)


def rerun_for_consumers(command: str) -> str:
    """The management API lists consumers as it collects its statistics: a few seconds later it has caught up."""
    return f"run `python -m topology {command}` again in a few seconds, once the management API has caught up"


def configure_app(app: str, module: str | None) -> str:
    """The change that makes a Celery app route by routing.yaml (docs/bring-your-own-app.md)."""
    where = f"in {module}" if module else f"where the app {app!r} is made"
    return (
        f"{where}, configure it from the file once its own settings are read: "
        "`from topology import configure, load_topology` and `configure(app, load_topology())` "
        "(and leave task_queues, task_routes and the beat schedule to it)"
    )


def shovel_off(*, moved: bool) -> str:
    """Said by plan (`moved` False) and apply --migrate when the messages move by confirmed replay."""
    how = "were moved" if moved else "would move"
    return (
        f"the shovel plugin is off: messages {how} by confirmed replay (slower); `{ENABLE_SHOVEL}` lets "
        "RabbitMQ move them"
    )

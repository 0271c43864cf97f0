"""Which node of a failover list to use: the first AMQP node that answers, and a management API of the
same cluster.

Celery's workers walk the broker URL list themselves (kombu); a command runs once, so it tries the nodes
in order before it starts, with the handshake of `handshake` (which also reads the cluster name the node
gives in connection.start), and keeps the first that answers. A node that refuses the login or the vhost
ends the search: every node of one cluster shares its users, so the next would refuse the same way.

The management API is then the first of its list that answers, and must belong to the cluster of that
node. Without a management URL the API is guessed from each node's host, at RabbitMQ's default port: on a
host running several brokers that guess can reach another broker's API and read, or change, the wrong
vhost; an API of another cluster refuses the run instead. Same cluster: the API's cluster name is the
node's; or, for a cluster never named (RabbitMQ then gives each node's own name with the machine's host
name, so two nodes of one cluster differ), one of the API's cluster nodes of that name listens for AMQP
on the node's port (the listeners are shown to monitoring and administrator users only; to others an
unnamed cluster cannot be told apart, and the API is taken). An API that cannot answer (unreachable,
refused) is left to the command, which says so in its own words.
"""

from __future__ import annotations

from dataclasses import replace

from topology import hints
from topology.broker.handshake import CONNECT_TIMEOUT_SECONDS, UNANSWERED, Closed, explain, handshake, refusal
from topology.broker.management import ClusterView, ManagementClient
from topology.broker.settings import Endpoint, Settings
from topology.errors import BrokerUnavailable, InvalidSettings, ManagementUnreachable


def reach(settings: Settings) -> Settings:
    """`settings` with the node and the API to use. One broker URL and one management URL given: as they
    are (nothing to choose or check). Raises BrokerUnavailable when no node of a list answers, or a node
    refuses the login; InvalidSettings when the API answers for another cluster."""
    if not needs_check(settings):
        return settings
    chosen, cluster = _first_answering_node(settings)
    if cluster is None:  # no node could tell its cluster: nothing to check the API against
        return chosen
    return replace(chosen, management=_api_of_cluster(chosen, cluster))


def needs_check(settings: Settings) -> bool:
    """A list to choose from, or an API guessed from the broker's host: both are checked."""
    return len(settings.nodes) > 1 or len(settings.apis) > 1 or settings.derived


def has_choice(settings: Settings) -> bool:
    """A list to choose from: the choice is made before anything is read. One node with a guessed API has
    nothing to choose, only the guess to check, which `check_cluster` does beside the command's own read."""
    return len(settings.nodes) > 1 or len(settings.apis) > 1


def check_cluster(settings: Settings) -> None:
    """`reach` for settings without a choice: InvalidSettings when the API is another cluster's; anything
    that keeps either side from answering is left to the command."""
    reach(settings)


def _first_answering_node(settings: Settings) -> tuple[Settings, str | None]:
    """The settings on the first node that completes a handshake, and its cluster name. With one node,
    a failure is left to the command (its message says more than a list's summary)."""
    passed_over: list[str] = []
    for node in settings.nodes:
        candidate = replace(settings, broker=node, passed_over=tuple(passed_over))
        try:
            return candidate, handshake(candidate)
        except (Closed, *UNANSWERED) as error:
            if len(settings.nodes) == 1:
                return settings, None
            if isinstance(error, Closed):
                raise refusal(candidate, error.code, str(error)) from None
            passed_over.append(str(explain(candidate, error, CONNECT_TIMEOUT_SECONDS)))
    raise BrokerUnavailable(
        f"none of the {len(settings.nodes)} nodes of the broker URL list answered: " + " | ".join(passed_over)
    )


def _api_of_cluster(settings: Settings, cluster: str) -> Endpoint:
    """The first API of the list that answers for `cluster`; without a management URL, the chosen node's
    host is asked first. The first API when none answers (the command reports it)."""
    apis = settings.apis
    if settings.derived:
        own = [api for api in apis if api.host == settings.broker.host]
        apis = (*own, *(api for api in apis if api not in own))
    foreign: tuple[Endpoint, str] | None = None
    for api in apis:
        try:
            theirs = ManagementClient(api).cluster()
        except ManagementUnreachable:
            continue
        except BrokerUnavailable:  # it answers, but not this question (login, tags, not RabbitMQ's API)
            return api
        if same_cluster(settings.broker, cluster, theirs):
            return api
        foreign = foreign or (api, theirs.name)
    if foreign is None:
        return apis[0]
    api, their_name = foreign
    given = "no management URL was given and " if settings.derived else ""
    raise InvalidSettings(
        f"the management API at {api} belongs to cluster {their_name!r}, the AMQP node {settings.broker} to "
        f"{cluster!r} ({given}it is another broker's): {hints.MANAGEMENT_OF_CLUSTER}"
    )


def same_cluster(node: Endpoint, cluster: str, api: ClusterView) -> bool:
    """Whether the API of `api` belongs to the cluster of `node`, which named itself `cluster` (module doc)."""
    if api.name == cluster or api.amqp_listeners is None:
        return True
    own = cluster.split("@")[0]
    return any(name.split("@")[0] == own and port == node.port for name, port in api.amqp_listeners)

"""RabbitMQ's management HTTP API: the one place that can list bindings (AMQP 0-9-1 cannot).

Thin edge: turns JSON into `live` dataclasses and HTTP failures into one-line BrokerUnavailable errors.
The standard library's http.client, one connection per request (a handful per command, on a LAN):
the commands start the vhost's read first thing, and urllib3 or httpx would cost more in imports
before it could begin than the read itself of a small vhost (measured: docs/performance.md).
"""

from __future__ import annotations

import http.client
import json as jsonlib
import socket
import ssl
from base64 import b64encode
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from topology import hints
from topology.broker.settings import Endpoint
from topology.errors import BrokerUnavailable, ManagementUnreachable, NotPermitted

if TYPE_CHECKING:
    from topology.model import Policy
    from topology.planning.history import ApplyRecord
    from topology.planning.observed import ClusterState, LiveState

TIMEOUT_SECONDS = 10.0
EXCHANGE_COLUMNS = "name,type,durable,auto_delete,internal,arguments"
QUEUE_COLUMNS = "name,type,durable,auto_delete,exclusive,arguments"
BINDING_COLUMNS = "source,destination,destination_type,routing_key,arguments"
NODE_COLUMNS = "name,running,fd_total,mem_alarm,disk_free_alarm,partitions"
PLACEMENT_COLUMNS = "name,type,node,leader,members,online,state"
QUORUM_CRITICAL = "/health/checks/node-is-quorum-critical"
TAG_REFUSALS = {
    "Not administrator user": "administrator",
    "Not monitor user": "monitoring",
    "Not policymaker user": "policymaker",
    "Not management user": "management",
}
"""RabbitMQ's 401 reasons for a user it knows but whose tags do not allow the request, and the tag needed."""


@dataclass(frozen=True)
class BrokerNode:
    name: str
    file_descriptors: int | None  # fd_total: how many files the OS lets the node open (None: not reported)
    running: bool = True
    alarms: tuple[str, ...] = ()  # RabbitMQ's resource alarms raised on it: publishers are blocked
    partitions: tuple[str, ...] = ()  # the nodes it cannot see although they run: a network partition


@dataclass(frozen=True)
class ClusterView:
    name: str
    amqp_listeners: tuple[tuple[str, int], ...] | None  # (node, port) of each; None: hidden (monitoring tag)


class ManagementClient:
    """Safe to share between threads: nothing is kept between requests."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        credentials = b64encode(f"{endpoint.username}:{endpoint.password}".encode()).decode()
        self._headers = {"Authorization": f"Basic {credentials}", "Accept": "application/json"}

    def state(self, vhost: str) -> LiveState:
        """Every exchange, queue, binding and policy of `vhost`, in one read (a 404: the vhost does not exist).

        The vhost's definitions are what `rabbitmqctl export_definitions` writes: no statistics, so they read
        several times faster than the full /queues listing. They omit exclusive queues (which belong to one
        connection) and RabbitMQ's own amq.* exchanges. RabbitMQ lets only administrators read definitions
        (rabbitmq-server#2189); for any other user the same objects are read from the vhost's four listings.
        """
        listed = False
        try:
            definitions = self._request("GET", f"/definitions/{_segment(vhost)}", allow_404=True)
        except NotPermitted:
            definitions, listed = self._listed_definitions(vhost), True
        if definitions is None:
            raise BrokerUnavailable(
                f"vhost {vhost!r} does not exist on {self.endpoint}: {hints.add_vhost(vhost, self.endpoint.username)}"
            )
        # the pure model is imported once the request is out: sending it needs none of it
        from topology.checks.versions import rules_for
        from topology.planning.observed import definitions_version, from_definitions

        if not listed and not rules_for(definitions_version(definitions)).definitions_list_internal_exchanges:
            definitions = {**definitions, "exchanges": self._with_internal(vhost, definitions["exchanges"])}
        return from_definitions(vhost, definitions)

    def _with_internal(self, vhost: str, exchanges: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`exchanges` and the vhost's internal exchanges, which some versions' definitions leave out (their
        bindings are in them): the vhost's exchange listing has them."""
        listed = {e["name"] for e in exchanges}
        internal = self._request("GET", f"/exchanges/{_segment(vhost)}?columns={EXCHANGE_COLUMNS}")
        return [*exchanges, *(e for e in internal if e.get("internal") and _own(e["name"]) and e["name"] not in listed)]

    def _listed_definitions(self, vhost: str) -> dict[str, Any] | None:
        """The vhost's definitions as a user without the administrator tag can read them: its exchanges,
        queues (without statistics), bindings and policies, less what definitions leave out."""
        segment = _segment(vhost)
        exchanges = self._request("GET", f"/exchanges/{segment}?columns={EXCHANGE_COLUMNS}", allow_404=True)
        if exchanges is None:
            return None
        queues = self._request("GET", f"/queues/{segment}?disable_stats=true&columns={QUEUE_COLUMNS}")
        bindings = self._request("GET", f"/bindings/{segment}?columns={BINDING_COLUMNS}")
        return {
            "exchanges": [e for e in exchanges if _own(e["name"])],
            "queues": [q for q in queues if not q.get("exclusive")],
            "bindings": [b for b in bindings if b["source"]],  # not the default exchange's implicit ones
            "policies": self._request("GET", f"/policies/{segment}"),
            "rabbitmq_version": self._request("GET", "/overview?columns=rabbitmq_version").get("rabbitmq_version"),
        }

    def put_policy(self, vhost: str, policy: Policy) -> None:
        body = {
            "pattern": policy.pattern,
            "definition": dict(policy.definition),
            "priority": policy.priority,
            "apply-to": policy.apply_to,
        }
        self._request("PUT", f"/policies/{_segment(vhost)}/{_segment(policy.name)}", json=body)

    def delete_policy(self, vhost: str, name: str) -> None:
        self._request("DELETE", f"/policies/{_segment(vhost)}/{_segment(name)}", allow_404=True)

    def record_apply(self, vhost: str, record: ApplyRecord) -> None:
        """The record exchange declared again with `record` (an exchange's arguments cannot change); and the
        global parameter earlier versions recorded in deleted, where this user may."""
        from topology.model import OWNER_ARGUMENT
        from topology.planning.history import LEGACY_PARAMETER_PREFIX, RECORD_ARGUMENT, RECORD_EXCHANGE

        path = f"/exchanges/{_segment(vhost)}/{_segment(RECORD_EXCHANGE)}"
        arguments = {RECORD_ARGUMENT: record.argument(), OWNER_ARGUMENT: record.owner}
        self._request("DELETE", path, allow_404=True)
        body = {"type": "fanout", "durable": True, "auto_delete": False, "internal": True, "arguments": arguments}
        self._request("PUT", path, json=body)
        legacy = f"/global-parameters/{_segment(LEGACY_PARAMETER_PREFIX + vhost)}"
        with suppress(NotPermitted):  # the administrator tag: earlier versions recorded only with it
            self._request("DELETE", legacy, allow_404=True)

    def queue(self, vhost: str, name: str) -> dict[str, Any]:
        """One queue as the management API shows it: statistics, and the policy in effect on it."""
        return dict(self._request("GET", f"/queues/{_segment(vhost)}/{_segment(name)}"))

    def cluster(self) -> ClusterView:
        """The cluster this API belongs to: its name, and its nodes' AMQP listeners when the user may see them."""
        overview = self._request("GET", "/overview?columns=cluster_name,listeners")
        listeners = overview.get("listeners")
        amqp = (
            tuple((str(n["node"]), int(n["port"])) for n in listeners if str(n.get("protocol", "")).startswith("amqp"))
            if isinstance(listeners, list)
            else None
        )
        return ClusterView(str(overview.get("cluster_name", "")), amqp)

    def queue_counts(self, vhost: str) -> dict[str, tuple[int, int]]:
        """Each queue's ready messages and consumers, as the API's statistics last counted them."""
        listed = self._request("GET", f"/queues/{_segment(vhost)}?columns=name,messages_ready,consumers")
        return {q["name"]: (q.get("messages_ready") or 0, q.get("consumers") or 0) for q in listed}

    def overview(self) -> dict[str, Any]:
        return dict(self._request("GET", "/overview"))

    def nodes(self) -> list[BrokerNode] | None:
        """The cluster's nodes and how many files each may open; None if the user may not see them (that
        takes the 'monitoring' or 'administrator' tag)."""
        listed = self._listed_nodes()
        return None if listed is None else [_node(n) for n in listed]

    def _listed_nodes(self) -> list[dict[str, Any]] | None:
        try:
            return list(self._request("GET", f"/nodes?columns={NODE_COLUMNS}"))
        except NotPermitted:
            return None

    def placement(self, vhost: str) -> ClusterState:
        """Which nodes run, and where each queue of `vhost` lives (its home node, or its leader and members)."""
        from topology.planning.observed import cluster_view

        queues = self._request("GET", f"/queues/{_segment(vhost)}?disable_stats=true&columns={PLACEMENT_COLUMNS}")
        return cluster_view(self._listed_nodes(), queues or [])

    def quorum_critical(self) -> list[str] | None:
        """The quorum queues that would lose their quorum if the answering node stopped, as `vhost/name`
        (RabbitMQ answers this health check with 503 and the list); None when the user may not ask."""
        try:
            answer = self._request("GET", QUORUM_CRITICAL, allow_503=True)
        except NotPermitted:
            return None
        return [f"{q.get('virtual_host', '?')}/{q.get('name', '?')}" for q in answer.get("queues") or ()]

    def exchange_types(self) -> frozenset[str]:
        """The exchange types this broker offers: built-in ones plus those of enabled plugins."""
        return frozenset(t["name"] for t in self.overview().get("exchange_types", []))

    def import_definitions(self, vhost: str, definitions: dict[str, Any]) -> None:
        """RabbitMQ's own bulk import (what `rabbitmqctl import_definitions` does), into one vhost."""
        self._request("POST", f"/definitions/{_segment(vhost)}", json=definitions)

    def vhost_exists(self, vhost: str) -> bool:
        return self._request("GET", f"/vhosts/{_segment(vhost)}", allow_404=True) is not None

    def create_vhost(self, vhost: str, *, grant: str | None = None) -> None:
        """Create `vhost` and give user `grant` (default: ours) full permissions on it."""
        self._request("PUT", f"/vhosts/{_segment(vhost)}")
        user = _segment(grant or self.endpoint.username)
        permissions = {"configure": ".*", "write": ".*", "read": ".*"}
        self._request("PUT", f"/permissions/{_segment(vhost)}/{user}", json=permissions)

    def delete_vhost(self, vhost: str) -> None:
        """The vhost, and all it holds (the record of its last apply with it)."""
        self._request("DELETE", f"/vhosts/{_segment(vhost)}", allow_404=True)

    def get(self, path: str, *, allow_404: bool = False) -> Any:
        """Any GET of the API (`path` after /api), as parsed JSON (None for a 404 with `allow_404`)."""
        return self._request("GET", path, allow_404=allow_404)

    def put(self, path: str, body: Any) -> None:
        """Any PUT of the API (`path` after /api) with a JSON body."""
        self._request("PUT", path, json=body)

    def delete(self, path: str, *, allow_404: bool = False) -> None:
        """Any DELETE of the API (`path` after /api): what the management UI's delete buttons send."""
        self._request("DELETE", path, allow_404=allow_404)

    def _request(
        self, method: str, path: str, *, allow_404: bool = False, allow_503: bool = False, json: Any = None
    ) -> Any:
        headers = dict(self._headers)
        body = None
        if json is not None:
            body = jsonlib.dumps(json).encode()
            headers["Content-Type"] = "application/json"
        connection = self._connection()
        try:
            connection.request(method, f"{self.endpoint.path}/api{path}", body, headers)
            response = connection.getresponse()
            status, data = response.status, response.read()
        except (OSError, http.client.HTTPException) as error:
            raise ManagementUnreachable(
                f"cannot reach the RabbitMQ management API at {self.endpoint} ({_reason(error)}): "
                f"{hints.ENABLE_MANAGEMENT}"
            ) from None
        finally:
            connection.close()
        try:  # the management API answers JSON, errors included; another HTTP server answers HTML or text
            parsed = jsonlib.loads(data) if data else {}
        except ValueError:
            raise BrokerUnavailable(
                f"{self.endpoint} answered {method} {self.endpoint.path}/api{path.split('?')[0]} with {status} and no "
                "JSON: it is not RabbitMQ's management API; point --management-url ($RABBITMQ_MANAGEMENT_URL) at the "
                "management plugin (port 15672 of the broker by default)"
            ) from None
        if allow_404 and (status == 404 or b"vhost_not_found" in data):
            return None
        tag = TAG_REFUSALS.get(_refusal_reason(data)) if status == 401 else None
        if tag is not None:
            user = self.endpoint.username
            raise NotPermitted(
                f"the management API at {self.endpoint} refused {method} {path.split('?')[0]} to user {user!r}, "
                f"which lacks the '{tag}' tag: {hints.set_user_tag(user, tag)}"
            )
        if status == 401:
            raise BrokerUnavailable(
                f"the management API at {self.endpoint} refused user {self.endpoint.username!r} (401): check the "
                "user and password in the broker URL or --management-url"
            )
        if status >= 400 and not (allow_503 and status == 503):
            raise BrokerUnavailable(
                f"the management API at {self.endpoint} answered {method} {path} with {status}: "
                f"{data.decode(errors='replace').strip()[:200]}"
            )
        return parsed

    def _connection(self) -> http.client.HTTPConnection:
        endpoint = self.endpoint
        if endpoint.scheme == "https":
            context = ssl.create_default_context()
            return http.client.HTTPSConnection(endpoint.host, endpoint.port, timeout=TIMEOUT_SECONDS, context=context)
        return http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=TIMEOUT_SECONDS)


def _node(record: dict[str, Any]) -> BrokerNode:
    alarms = tuple(alarm for alarm in ("mem_alarm", "disk_free_alarm") if record.get(alarm))
    return BrokerNode(
        record["name"],
        record.get("fd_total"),
        running=bool(record.get("running", True)),
        alarms=tuple(a.removesuffix("_alarm").replace("_", " ") for a in alarms),
        partitions=tuple(record.get("partitions") or ()),
    )


def segment(name: str) -> str:
    """A name as one segment of an API path (vhost '/' is %2F)."""
    return quote(name, safe="")


_segment = segment


def _own(exchange: str) -> bool:
    """Not one of RabbitMQ's own exchanges (the default one, amq.*), which definitions leave out."""
    return bool(exchange) and not exchange.startswith("amq.")


def _refusal_reason(data: bytes) -> str:
    try:
        return str(jsonlib.loads(data).get("reason", ""))
    except (ValueError, AttributeError):
        return ""


def _reason(error: BaseException) -> str:
    if isinstance(error, socket.gaierror):
        return "its host name does not resolve (DNS)"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed: {error.reason or error}; http:// for a plain port"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError):
        return f"no answer within {TIMEOUT_SECONDS:.0f} s"
    return str(error) or type(error).__name__

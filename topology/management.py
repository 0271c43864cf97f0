"""RabbitMQ's management HTTP API: the one place that can list bindings (AMQP 0-9-1 cannot).

Thin edge: turns JSON into `live` dataclasses and HTTP failures into one-line BrokerUnavailable errors.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from topology.errors import BrokerUnavailable
from topology.live import LiveBinding, LiveExchange, LiveQueue, LiveState, binding_arguments
from topology.settings import Endpoint

TIMEOUT_SECONDS = 10.0
ENABLE_HINT = "enable it with `rabbitmq-plugins enable rabbitmq_management`, or point --management-url at it"


class ManagementClient:
    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._http = httpx.Client(
            base_url=f"{endpoint.scheme}://{endpoint.host}:{endpoint.port}{endpoint.path}/api",
            auth=(endpoint.username, endpoint.password),
            timeout=TIMEOUT_SECONDS,
        )

    def __enter__(self) -> ManagementClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._http.close()

    def state(self, vhost: str) -> LiveState:
        """Every exchange, queue and binding of `vhost` (a 404 means the vhost does not exist)."""
        v = _segment(vhost)
        exchanges = [_exchange(e) for e in self._get(f"/exchanges/{v}", vhost)]
        queues = [_queue(q) for q in self._get(f"/queues/{v}", vhost)]
        bindings = [_binding(b) for b in self._get(f"/bindings/{v}", vhost)]
        return LiveState(
            vhost=vhost,
            exchanges={e.name: e for e in exchanges},
            queues={q.name: q for q in queues},
            bindings=frozenset(bindings),
        )

    def exchange_types(self) -> frozenset[str]:
        """The exchange types this broker offers: built-in ones plus those of enabled plugins."""
        overview = self._request("GET", "/overview")
        return frozenset(t["name"] for t in overview.get("exchange_types", []))

    def vhost_exists(self, vhost: str) -> bool:
        return self._request("GET", f"/vhosts/{_segment(vhost)}", allow_404=True) is not None

    def create_vhost(self, vhost: str, *, grant: str | None = None) -> None:
        """Create `vhost` and give user `grant` (default: ours) full permissions on it."""
        self._request("PUT", f"/vhosts/{_segment(vhost)}")
        user = _segment(grant or self.endpoint.username)
        permissions = {"configure": ".*", "write": ".*", "read": ".*"}
        self._request("PUT", f"/permissions/{_segment(vhost)}/{user}", json=permissions)

    def delete_vhost(self, vhost: str) -> None:
        self._request("DELETE", f"/vhosts/{_segment(vhost)}", allow_404=True)

    def _get(self, path: str, vhost: str) -> list[dict[str, Any]]:
        result = self._request("GET", path, allow_404=True)
        if result is None:
            raise BrokerUnavailable(
                f"vhost {vhost!r} does not exist on {self.endpoint}: create it with "
                f"`rabbitmqctl add_vhost {vhost}` and grant access with `rabbitmqctl set_permissions -p {vhost} "
                f"{self.endpoint.username} '.*' '.*' '.*'`"
            )
        return list(result)

    def _request(self, method: str, path: str, *, allow_404: bool = False, json: Any = None) -> Any:
        try:
            response = self._http.request(method, path, json=json)
        except httpx.TransportError as error:
            raise BrokerUnavailable(
                f"cannot reach the RabbitMQ management API at {self.endpoint} ({_reason(error)}): {ENABLE_HINT}"
            ) from None
        if response.status_code == 404 and allow_404:
            return None
        if response.status_code == 401:
            raise BrokerUnavailable(
                f"the management API at {self.endpoint} refused user {self.endpoint.username!r} (401): check the "
                "password in the broker URL or --management-url; the user needs the 'management' tag"
            )
        if response.status_code >= 400:
            raise BrokerUnavailable(
                f"the management API at {self.endpoint} answered {method} {path} with {response.status_code}: "
                f"{response.text.strip()[:200]}"
            )
        return response.json() if response.content else {}


def _segment(name: str) -> str:
    return quote(name, safe="")


def _exchange(record: dict[str, Any]) -> LiveExchange:
    return LiveExchange(
        name=record["name"],
        type=record["type"],
        durable=record["durable"],
        auto_delete=record["auto_delete"],
        internal=record.get("internal", False),
        arguments=record.get("arguments") or {},
    )


def _queue(record: dict[str, Any]) -> LiveQueue:
    # message and consumer counts from the API lag by a statistics interval; AMQP gives them live.
    arguments = dict(record.get("arguments") or {})
    queue_type = str(arguments.pop("x-queue-type", None) or record.get("type") or "classic")
    return LiveQueue(
        name=record["name"],
        durable=record["durable"],
        auto_delete=record["auto_delete"],
        exclusive=bool(record.get("exclusive") or record.get("owner_pid_details")),
        arguments=arguments,
        type=queue_type,
    )


def _binding(record: dict[str, Any]) -> LiveBinding:
    return LiveBinding(
        source=record["source"],
        destination=record["destination"],
        destination_type=record["destination_type"],
        routing_key=record["routing_key"],
        arguments=binding_arguments(record.get("arguments") or {}),
    )


def _reason(error: httpx.TransportError) -> str:
    text = str(error) or type(error).__name__
    return "connection refused" if "refused" in text.lower() else text

"""Where RabbitMQ is: the broker URL, its vhost, and the management API, resolved one way for every command.

Precedence: command-line option > environment variable > default. The vhost comes from the broker
URL's path (kombu's convention: ``amqp://host//`` and ``amqp://host/`` are ``/``, ``%2F`` is ``/``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from topology.errors import InvalidSettings

BROKER_ENV = "CELERY_BROKER_URL"
MANAGEMENT_ENV = "RABBITMQ_MANAGEMENT_URL"
DEFAULT_BROKER_URL = "amqp://guest:guest@localhost:5672//"
MANAGEMENT_PORT = 15672
AMQP_SCHEMES = {"amqp": 5672, "pyamqp": 5672, "librabbitmq": 5672, "amqps": 5671}


@dataclass(frozen=True)
class Endpoint:
    scheme: str
    host: str
    port: int
    username: str
    password: str
    path: str = ""

    def url(self, *, secret: bool = False) -> str:
        """The URL, with the password shown only when `secret` (for handing to a client, never to print)."""
        password = quote(self.password, safe="") if secret else "***"
        userinfo = f"{quote(self.username, safe='')}:{password}@" if self.username else ""
        return f"{self.scheme}://{userinfo}{self.host}:{self.port}{self.path}"

    def __str__(self) -> str:
        return self.url()


@dataclass(frozen=True)
class Settings:
    broker: Endpoint
    vhost: str
    management: Endpoint

    @property
    def tls(self) -> bool:
        return self.broker.scheme == "amqps"


def resolve_settings(broker_url: str | None = None, management_url: str | None = None) -> Settings:
    """Settings from options, then $CELERY_BROKER_URL / $RABBITMQ_MANAGEMENT_URL, then the defaults."""
    raw_broker = broker_url or os.environ.get(BROKER_ENV) or DEFAULT_BROKER_URL
    parts = urlsplit(raw_broker)
    scheme = parts.scheme.split("+")[-1]
    if scheme not in AMQP_SCHEMES:
        raise InvalidSettings(f"broker URL must be amqp:// or amqps:// (RabbitMQ), got {scheme or 'no scheme'}://")
    broker = Endpoint(
        scheme=scheme,
        host=parts.hostname or "localhost",
        port=parts.port or AMQP_SCHEMES[scheme],
        username=unquote(parts.username or "guest"),
        password=unquote(parts.password or "guest"),
        path=parts.path,
    )
    vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    return Settings(broker, vhost, _management(broker, management_url or os.environ.get(MANAGEMENT_ENV)))


def _management(broker: Endpoint, url: str | None) -> Endpoint:
    """The management API: `url` (its own credentials, else the broker's), else http://<broker host>:15672."""
    if not url:
        return Endpoint("http", broker.host, MANAGEMENT_PORT, broker.username, broker.password)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidSettings(f"management URL must look like http://host:15672, got {url.split('@')[-1]!r}")
    return Endpoint(
        scheme=parts.scheme,
        host=parts.hostname,
        port=parts.port or (443 if parts.scheme == "https" else 80),
        username=unquote(parts.username) if parts.username else broker.username,
        password=unquote(parts.password) if parts.password else broker.password,
        path=parts.path.rstrip("/"),
    )

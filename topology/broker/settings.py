"""Where RabbitMQ is: the broker URL, its vhost, and the management API, resolved one way for every command.

Precedence: command-line option > environment variable > default. The vhost comes from the broker
URL's path (kombu's convention: ``amqp://host//`` and ``amqp://host/`` are ``/``, ``%2F`` is ``/``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import NamedTuple
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
    parts = _split(f"the broker URL ({'--broker' if broker_url else '$' + BROKER_ENV})", raw_broker)
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
    source = "--management-url" if management_url else "$" + MANAGEMENT_ENV
    return Settings(broker, vhost, _management(broker, management_url or os.environ.get(MANAGEMENT_ENV), source))


def _management(broker: Endpoint, url: str | None, source: str) -> Endpoint:
    """The management API: `url` (its own credentials, else the broker's), else http://<broker host>:15672."""
    if not url:
        return Endpoint("http", broker.host, MANAGEMENT_PORT, broker.username, broker.password)
    parts = _split(f"the management URL ({source})", url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidSettings(f"management URL must look like http://host:15672, got {_shown(parts)}")
    return Endpoint(
        scheme=parts.scheme,
        host=parts.hostname,
        port=parts.port or (443 if parts.scheme == "https" else 80),
        username=unquote(parts.username) if parts.username else broker.username,
        password=unquote(parts.password) if parts.password else broker.password,
        path=parts.path.rstrip("/"),
    )


class _Checked(NamedTuple):
    """The parts of a URL once its host and port are known to be usable."""

    scheme: str
    hostname: str | None
    port: int | None
    username: str | None
    password: str | None
    path: str


def _split(what: str, url: str) -> _Checked:
    """`url` taken apart, or InvalidSettings saying which part is wrong. The message never quotes the URL
    nor urllib's own error: a URL too broken to split is one that cannot be masked reliably (in
    'amqp://user:secret/x@host' the password is what urllib reads as the port)."""
    try:
        parts = urlsplit(url)
        hostname, port = parts.hostname, parts.port
    except ValueError as error:
        raise InvalidSettings(f"{what} is not a valid URL: {_reason(str(error))}") from None
    if not parts.netloc and parts.path:  # 'amqp:user:password@host': all of it would be read as the vhost
        raise InvalidSettings(f"{what} is not a valid URL: write it as scheme://user:password@host:port/path")
    if port == 0:
        raise InvalidSettings(f"{what} is not a valid URL: {_reason('Port out of range')}")
    if hostname is not None and any(c.isspace() or not c.isprintable() for c in hostname):
        raise InvalidSettings(f"{what} is not a valid URL: its host contains spaces or control characters")
    return _Checked(parts.scheme, hostname, port, parts.username, parts.password, parts.path)


def _reason(error: str) -> str:
    """urllib's complaint, in words of our own that quote nothing from the URL."""
    if "Port" in error:
        return "the port should be a number from 1 to 65535"
    if "IPv6" in error or "IPv4" in error:
        return "the host in [brackets] should be an IPv6 address, as in amqp://user:password@[::1]:5672/"
    return "it cannot be read as scheme://user:password@host:port/path"


def _shown(parts: _Checked) -> str:
    """Scheme, host and port only: safe to print whatever the rest holds."""
    host = parts.hostname or "no host"
    return f"{parts.scheme or 'no scheme'}://{host}" + (f":{parts.port}" if parts.port else "")

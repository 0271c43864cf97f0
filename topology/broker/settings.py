"""Where RabbitMQ is: the broker URL, its vhost, and the management API, resolved one way for every command.

Precedence: command-line option > environment variable > default. The vhost comes from the broker
URL's path (kombu's convention: ``amqp://host//`` and ``amqp://host/`` are ``/``, ``%2F`` is ``/``).

Either URL may be Celery's failover list, read as kombu reads it (`kombu.Connection`): the text split at
every ``;``, each item a URL of its own, or a bare ``host:port`` that takes the first URL's scheme,
credentials and vhost; an item without a path takes the first URL's vhost, as kombu's `switch` does.
Which node answers is `broker.failover`'s business; here the text only becomes endpoints, all of them
checked, none ever quoted (a ``;`` inside a password splits the list, and what follows must not show).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import quote, unquote, urlsplit

from topology.errors import InvalidSettings

BROKER_ENV = "CELERY_BROKER_URL"
MANAGEMENT_ENV = "RABBITMQ_MANAGEMENT_URL"
DEFAULT_BROKER_URL = "amqp://guest:guest@localhost:5672//"
MANAGEMENT_PORT = 15672
AMQP_SCHEMES = {"amqp": 5672, "pyamqp": 5672, "librabbitmq": 5672, "amqps": 5671}
LIST_SEPARATOR = ";"
ORDINALS = ("first", "second", "third")


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
    """`broker` and `management` are the endpoints in use: the first of each list, until
    `broker.failover.reach` has chosen the ones that answer. `brokers` is the whole broker URL list, in
    order; `managements` the management URL list, or (`derived`) one API per node, from its host."""

    broker: Endpoint
    vhost: str
    management: Endpoint
    brokers: tuple[Endpoint, ...] = ()
    managements: tuple[Endpoint, ...] = ()
    derived: bool = False
    passed_over: tuple[str, ...] = ()  # why each node tried before `broker` was not used

    @property
    def tls(self) -> bool:
        return self.broker.scheme == "amqps"

    @property
    def nodes(self) -> tuple[Endpoint, ...]:
        return self.brokers or (self.broker,)

    @property
    def apis(self) -> tuple[Endpoint, ...]:
        return self.managements or (self.management,)


_USERINFO = re.compile(r"((?:\b[A-Za-z][A-Za-z0-9+.-]*:/{0,2})?[^\s:/@;'\"()]*:)[^\s;'\"()]*@")
"""A URL's `scheme://user:` (or `scheme:/user:`, as a path normalizes it, or a bare `user:`) and everything up
to the last `@` before a blank, a quote, a bracket or a `;` (the next URL of a failover list): its password,
which may hold `@` or `:` itself."""


def redacted(text: str) -> str:
    """`text` with the password of every URL in it replaced by ***: for a message that may quote what the
    user typed anywhere (an argument, a file name, an app name), wherever a URL was typed."""
    return _USERINFO.sub(r"\1***@", text)


def resolve_settings(broker_url: str | None = None, management_url: str | None = None) -> Settings:
    """Settings from options, then $CELERY_BROKER_URL / $RABBITMQ_MANAGEMENT_URL, then the defaults."""
    raw_broker = broker_url or os.environ.get(BROKER_ENV) or DEFAULT_BROKER_URL
    brokers = _brokers(f"the broker URL ({'--broker' if broker_url else '$' + BROKER_ENV})", raw_broker)
    vhost = _vhost(brokers)
    raw_management = management_url or os.environ.get(MANAGEMENT_ENV)
    if raw_management:
        source = "--management-url" if management_url else "$" + MANAGEMENT_ENV
        managements = _managements(f"the management URL ({source})", raw_management, brokers[0])
    else:
        managements = _derived_managements(brokers)
    return Settings(brokers[0], vhost, managements[0], brokers, managements, derived=not raw_management)


def failover_urls(text: str) -> list[str]:
    """Celery's failover list as kombu reads it: the text split at every ';' (one URL: a list of one)."""
    return [item.strip() for item in text.split(LIST_SEPARATOR)]


def _brokers(what: str, text: str) -> tuple[Endpoint, ...]:
    found: list[Endpoint] = []
    for label, item in _items(what, text):
        parts = _split(label, _with_scheme_of(found[0], item, label) if found else item)
        scheme = parts.scheme.split("+")[-1]
        if scheme not in AMQP_SCHEMES:
            raise InvalidSettings(
                f"{_subject(label)} must be amqp:// or amqps:// (RabbitMQ), got {scheme or 'no scheme'}://"
            )
        first = found[0] if found else None
        found.append(
            Endpoint(
                scheme=scheme,
                host=parts.hostname or "localhost",
                port=parts.port or (first.port if first and "://" not in item else AMQP_SCHEMES[scheme]),
                username=_user(parts, item, first, "guest"),
                password=_password(parts, item, first, "guest"),
                path=parts.path or (first.path if first else ""),
            )
        )
    return tuple(found)


def _vhost(brokers: tuple[Endpoint, ...]) -> str:
    """The one vhost the list names: every node of a failover list serves the same one."""
    vhosts = [unquote(b.path[1:]) if len(b.path) > 1 else "/" for b in brokers]
    for index, vhost in enumerate(vhosts[1:], start=1):
        if vhost != vhosts[0]:
            raise InvalidSettings(
                f"the broker URL list names two vhosts ({vhosts[0]!r} in its first URL, {vhost!r} in its "
                f"{_ordinal(index)}): the nodes of one list serve one vhost; give every URL the same path"
            )
    return vhosts[0]


def _managements(what: str, text: str, broker: Endpoint) -> tuple[Endpoint, ...]:
    """The management URL list: each with its own credentials, else the (first) broker URL's."""
    found: list[Endpoint] = []
    for label, item in _items(what, text):
        parts = _split(label, _with_scheme_of(found[0], item, label) if found else item)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidSettings(f"{_subject(label)} must look like http://host:15672, got {_shown(parts)}")
        first = found[0] if found else None
        found.append(
            Endpoint(
                scheme=parts.scheme,
                host=parts.hostname,
                port=parts.port or (443 if parts.scheme == "https" else 80),
                username=_user(parts, item, first, broker.username),
                password=_password(parts, item, first, broker.password),
                path=parts.path.rstrip("/"),
            )
        )
    return tuple(found)


def _derived_managements(brokers: tuple[Endpoint, ...]) -> tuple[Endpoint, ...]:
    """Without a management URL: RabbitMQ's default API port on each node's host, with that node's login."""
    apis = (Endpoint("http", b.host, MANAGEMENT_PORT, b.username, b.password) for b in brokers)
    return tuple(dict.fromkeys(apis))


def _items(what: str, text: str) -> list[tuple[str, str]]:
    """Each item of the list with the words that name it in a message (only the item's place, never its text)."""
    items = failover_urls(text)
    if len(items) == 1:
        return [(what, items[0])]
    listed = what.replace(" URL (", " URL list (", 1)
    labelled = [(f"the {_ordinal(i)} URL of {listed}", item) for i, item in enumerate(items)]
    for label, item in labelled:
        if not item:
            raise InvalidSettings(f"{label} is empty: separate the URLs of the list with one ';' and nothing else")
    return labelled


def _with_scheme_of(first: Endpoint, item: str, label: str) -> str:
    """A later item: a URL of its own, or kombu's bare `host[:port]`, which takes the first URL's scheme."""
    if "://" in item:
        return item
    if any(c in item for c in "@/?#") or any(c.isspace() for c in item):
        raise InvalidSettings(
            f"{label} is neither a URL nor host:port; a ';' inside a password splits the list: write it %3B"
        )
    return f"{first.scheme}://{item}"


def _user(parts: _Checked, item: str, first: Endpoint | None, default: str) -> str:
    if parts.username:
        return unquote(parts.username)
    return first.username if first is not None and "://" not in item else default


def _password(parts: _Checked, item: str, first: Endpoint | None, default: str) -> str:
    if parts.password:
        return unquote(parts.password)
    return first.password if first is not None and "://" not in item else default


def _ordinal(index: int) -> str:
    return ORDINALS[index] if index < len(ORDINALS) else f"{index + 1}th"


def _subject(label: str) -> str:
    """'the broker URL (--broker)' as the subject of 'must be ...': 'broker URL', as messages always said."""
    return label.removeprefix("the ").split(" (")[0] if " of " not in label else label


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

"""Celery's failover lists in --broker / $CELERY_BROKER_URL / the management URL: read as kombu reads them,
the management API derived per node, the cluster name read off connection.start, the list kept for Celery."""

from __future__ import annotations

import struct

import pytest
from celery import Celery
from kombu import Connection

from tests.conftest import SEED
from topology.broker.failover import same_cluster
from topology.broker.handshake import _cluster_name
from topology.broker.management import ClusterView
from topology.broker.settings import Endpoint, failover_urls, resolve_settings
from topology.celery_adapter.config import configure
from topology.errors import InvalidSettings
from topology.language.loader import check_text

SECRET = "S3cr3tPw"
LIST = "amqp://u:S3cr3tPw@h1:5701/v;amqp://x:S3cr3tPw@h2:5702/v;amqp://h3:5703;h4:5704"


def leaked(text: str) -> bool:
    return any(SECRET[i : i + 4] in text for i in range(len(SECRET) - 3))


def test_a_list_gives_every_node_in_order_on_one_vhost() -> None:
    settings = resolve_settings(LIST)
    assert [(n.host, n.port, n.username) for n in settings.nodes] == [
        ("h1", 5701, "u"),
        ("h2", 5702, "x"),
        ("h3", 5703, "guest"),  # a URL of its own without credentials: kombu's transport default
        ("h4", 5704, "u"),  # a bare host:port takes the first URL's scheme and login
    ]
    assert settings.vhost == "v" and settings.broker == settings.nodes[0]
    assert [n.password for n in settings.nodes] == [SECRET, SECRET, "guest", SECRET]


@pytest.mark.parametrize("url", [LIST, "amqp://a:b@h1//;amqp://c:d@h2:5673//", "amqps://u:p@h1/x;h2:5999;h3"])
def test_each_node_is_the_one_kombu_switches_to(url: str) -> None:
    """The same list, walked by kombu's own failover (`maybe_switch_next`), reaches the same hosts, ports,
    users, passwords and vhost, in the same order."""
    settings = resolve_settings(url)
    connection = Connection(url)
    assert len(connection.alt) == len(settings.nodes)
    for node in settings.nodes:
        info = connection.info()
        host, _, port = info["hostname"].partition(":")  # a bare alternate keeps its port in the host name
        assert (host, int(port or info["port"])) == (node.host, node.port)
        assert (info["userid"] or "guest", info["password"] or "guest") == (node.username, node.password)
        assert info["virtual_host"] == settings.vhost
        connection.maybe_switch_next()


def test_without_a_management_url_each_node_host_has_its_api_at_the_default_port() -> None:
    settings = resolve_settings("amqp://u:p@a:5701//;amqp://u:p@b:5702//;amqp://u:p@a:5703//")
    assert settings.derived
    assert [(api.host, api.port, api.username) for api in settings.apis] == [("a", 15672, "u"), ("b", 15672, "u")]


def test_a_management_list_takes_the_broker_login_where_it_has_none() -> None:
    settings = resolve_settings("amqp://u:p@h1//", "http://h1:15701;https://m:n@h2:15702/p/;h3:15703")
    assert not settings.derived
    shown = [(a.scheme, a.host, a.port, a.username, a.password, a.path) for a in settings.apis]
    assert shown == [
        ("http", "h1", 15701, "u", "p", ""),
        ("https", "h2", 15702, "m", "n", "/p"),
        ("http", "h3", 15703, "u", "p", ""),
    ]
    assert settings.management == settings.apis[0]


def test_one_url_is_a_list_of_one() -> None:
    settings = resolve_settings("amqp://u:p@h:5672/v")
    assert failover_urls("amqp://u:p@h:5672/v") == ["amqp://u:p@h:5672/v"]
    assert settings.nodes == (settings.broker,) and settings.apis == (settings.management,)


BROKEN_LISTS = [
    ("amqp://u:p@h/v;amqp://u:S3cr3tPw@h2/w", "names two vhosts ('v' in its first URL, 'w' in its second)"),
    ("amqp://u:p@h/v;", "the second URL of the broker URL list (--broker) is empty"),
    ("amqp://u:p@h/v;;amqp://h2/v", "the second URL of the broker URL list (--broker) is empty"),
    ("amqp://u:S3cr;3tPw@h/v", "the first URL of the broker URL list (--broker) is not a valid URL"),
    ("amqp://u:1;S3cr3tPw@h/v", "the second URL of the broker URL list (--broker) is neither a URL nor host:port"),
    ("amqp://u:1;S3c;r3tPw@h/v", "the third URL of the broker URL list (--broker) is neither a URL nor host:port"),
    ("amqp://u:p@h/v;redis://u:S3cr3tPw@h2/v", "the second URL of the broker URL list (--broker) must be amqp://"),
    ("amqp://u:p@h/v;amqp://u:S3cr3tPw@h2:x/v", "the second URL of the broker URL list (--broker) is not a valid"),
]


@pytest.mark.parametrize(("url", "reason"), BROKEN_LISTS)
def test_a_broken_list_is_one_line_naming_the_item_without_any_password(url: str, reason: str) -> None:
    with pytest.raises(InvalidSettings) as caught:
        resolve_settings(url)
    message = str(caught.value)
    assert reason in message, message
    assert "\n" not in message and not leaked(message) and caught.value.exit_code == 2


def test_a_broken_management_list_names_its_item_and_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RABBITMQ_MANAGEMENT_URL", "http://h:15672;ftp://u:S3cr3tPw@h2:21")
    with pytest.raises(InvalidSettings) as caught:
        resolve_settings("amqp://h//")
    message = str(caught.value)
    assert "the second URL of the management URL list ($RABBITMQ_MANAGEMENT_URL)" in message
    assert "ftp://h2:21" in message and not leaked(message)


def test_no_printed_endpoint_of_a_list_shows_a_password() -> None:
    settings = resolve_settings(LIST, "http://m:S3cr3tPw@h1:15672;h2:15672")
    shown = [str(e) for e in (*settings.nodes, *settings.apis)] + [e.url() for e in settings.nodes]
    assert all(not leaked(text) and "***" in text for text in shown)


def start_payload(entries: list[tuple[bytes, bytes, bytes]]) -> bytes:
    """connection.start's arguments after the method id: versions, server properties, mechanisms, locales."""
    table = b"".join(bytes([len(n)]) + n + kind + struct.pack(">I", len(v)) + v for n, kind, v in entries)
    return b"\x00\x09" + struct.pack(">I", len(table)) + table + struct.pack(">I", 5) + b"PLAIN"


def test_the_cluster_name_is_read_off_connection_start() -> None:
    capabilities = b"\x09publisher" + b"t\x01"
    payload = start_payload([(b"capabilities", b"F", capabilities), (b"cluster_name", b"S", b"rabbit@node-1")])
    assert _cluster_name(payload) == "rabbit@node-1"
    assert _cluster_name(start_payload([(b"product", b"S", b"RabbitMQ")])) is None


def test_an_entry_of_another_type_before_the_name_means_unknown_not_a_misread() -> None:
    payload = start_payload([(b"odd", b"I", b""), (b"cluster_name", b"S", b"rabbit@x")])
    assert _cluster_name(payload) is None


def test_the_generated_celery_settings_keep_the_whole_list_for_celerys_own_failover() -> None:
    app = configure(Celery("failover", set_as_current=False), check_text(SEED, "routing.yaml").topology, LIST)
    assert app.conf.broker_url == LIST
    with app.connection_for_write() as connection:
        assert connection.alt == failover_urls(LIST)
    app.close()


NODE = Endpoint("amqp", "127.0.0.1", 5701, "u", "p")
CLUSTER = (("topo1@localhost", 5701), ("topo2@localhost", 5702), ("topo3@localhost", 5703))


@pytest.mark.parametrize(
    ("cluster", "api", "same"),
    [
        ("prod", ClusterView("prod", None), True),  # a named cluster: every node gives its name
        ("prod", ClusterView("staging", ()), False),
        ("topo1@vm", ClusterView("topo2@vm", CLUSTER), True),  # never named: each node its own name
        ("topo1@vm", ClusterView("rabbit@vm", (("rabbit@localhost", 5672),)), False),  # the host's broker
        ("topo1@vm", ClusterView("topo1@vm2", (("topo1@other", 5672),)), False),  # same name, not this port
        ("topo1@vm", ClusterView("rabbit@vm", None), True),  # listeners hidden from the user: cannot tell
    ],
)
def test_an_api_belongs_to_the_nodes_cluster_by_name_or_by_its_amqp_listener(
    cluster: str, api: ClusterView, same: bool
) -> None:
    assert same_cluster(NODE, cluster, api) is same

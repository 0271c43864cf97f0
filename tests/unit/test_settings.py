"""Broker and management settings: precedence, vhost from the URL, passwords never shown."""

from __future__ import annotations

import pytest

from topology.broker.settings import resolve_settings
from topology.errors import InvalidSettings


@pytest.mark.parametrize(
    ("url", "vhost"),
    [
        ("amqp://guest:guest@localhost:5672//", "/"),
        ("amqp://guest:guest@localhost:5672/", "/"),
        ("amqp://guest:guest@localhost", "/"),
        ("amqp://u:p@h:5672/%2F", "/"),
        ("amqp://u:p@h:5672/prod", "prod"),
        ("amqp://u:p@h/team%2Fa", "team/a"),
    ],
)
def test_vhost_comes_from_the_url_path(url: str, vhost: str) -> None:
    assert resolve_settings(url).vhost == vhost


def test_option_beats_environment_beats_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("RABBITMQ_MANAGEMENT_URL", raising=False)
    assert resolve_settings().broker.host == "localhost"
    monkeypatch.setenv("CELERY_BROKER_URL", "amqp://a:b@envhost:5673/v")
    assert (resolve_settings().broker.host, resolve_settings().broker.port) == ("envhost", 5673)
    assert resolve_settings("amqp://x:y@opthost/v").broker.host == "opthost"


def test_management_defaults_to_broker_host_and_credentials() -> None:
    settings = resolve_settings("amqps://ops:s3cret@rabbit.internal/prod")
    assert settings.tls and settings.broker.port == 5671
    management = settings.management
    assert (management.scheme, management.host, management.port) == ("http", "rabbit.internal", 15672)
    assert (management.username, management.password) == ("ops", "s3cret")
    explicit = resolve_settings("amqp://ops:s3cret@r/", "https://admin:other@mgmt:8443/rabbit/").management
    assert (explicit.host, explicit.port, explicit.username, explicit.path) == ("mgmt", 8443, "admin", "/rabbit")


def test_passwords_never_appear_in_printed_urls() -> None:
    settings = resolve_settings("amqp://ops:p%40ss@rabbit/prod")
    assert settings.broker.password == "p@ss"
    for shown in (str(settings.broker), str(settings.management), settings.broker.url()):
        assert "p@ss" not in shown and "p%40ss" not in shown and "***" in shown
    assert settings.broker.url(secret=True) == "amqp://ops:p%40ss@rabbit:5672/prod"


def test_non_rabbitmq_broker_url_is_a_usage_error() -> None:
    with pytest.raises(InvalidSettings, match=r"amqp:// or amqps://"):
        resolve_settings("redis://localhost:6379/0")

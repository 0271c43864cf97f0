"""Malformed broker and management URLs: one line, exit 2, never a piece of the password."""

from __future__ import annotations

import pytest

from topology.broker.settings import resolve_settings
from topology.errors import InvalidSettings

SECRET = "S3cr3tPw"

BROKEN = [
    ("amqp://u:S3cr3tPw@h:notaport/", "the port should be a number from 1 to 65535"),
    ("amqp://u:S3cr3tPw@h:99999/", "the port should be a number from 1 to 65535"),
    ("amqp://u:S3cr3tPw@h:0/", "the port should be a number from 1 to 65535"),
    ("amqp://u:S3cr3tPw/vhost@h", "the port should be a number from 1 to 65535"),  # urllib reads the password as port
    ("amqp://u:S3cr3tPw@[::1/", "should be an IPv6 address"),
    ("amqp://u:S3cr3tPw@[not-v6]:5672/", "should be an IPv6 address"),
    ("amqp://u:S3cr3tPw@ho st:5672/", "spaces or control characters"),
]


@pytest.mark.parametrize(("url", "reason"), BROKEN)
def test_a_broken_broker_url_is_one_line_without_the_password(url: str, reason: str) -> None:
    with pytest.raises(InvalidSettings) as caught:
        resolve_settings(url)
    message = str(caught.value)
    assert reason in message and "--broker" in message
    assert "\n" not in message and not any(SECRET[i : i + 4] in message for i in range(len(SECRET) - 3))
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(("url", "reason"), BROKEN)
def test_a_broken_url_from_the_environment_names_the_variable(
    url: str, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CELERY_BROKER_URL", "amqp://guest:guest@localhost//")
    monkeypatch.setenv("RABBITMQ_MANAGEMENT_URL", url.replace("amqp://", "http://"))
    with pytest.raises(InvalidSettings) as caught:
        resolve_settings()
    message = str(caught.value)
    assert reason in message and "$RABBITMQ_MANAGEMENT_URL" in message
    assert SECRET[:4] not in message and SECRET[-4:] not in message


def test_a_management_url_of_another_scheme_shows_only_scheme_and_host() -> None:
    with pytest.raises(InvalidSettings) as caught:
        resolve_settings("amqp://u:p@h//", "ftp://admin:S3cr3tPw@mgmt:21/")
    assert str(caught.value) == "management URL must look like http://host:15672, got ftp://mgmt:21"

"""Confirmed publishing: routing.yaml's `publish:` section, the Celery settings it gives, and the deadline.

The publishes themselves, against a real RabbitMQ that is up, stopped or killed: tests/live/test_publishing.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import kombu
import pytest
from celery import Celery

from tests.conftest import ROOT
from topology.celery_adapter.config import celery_settings, configure
from topology.celery_adapter.mandatory import MandatoryAMQP
from topology.celery_adapter.publishing import (
    CONFIRM_TIMEOUT_SETTING,
    BoundedRPCBackend,
    ConfirmedAMQP,
    PublishNotConfirmed,
    _publishing,
    give_up_past_deadline,
)
from topology.errors import InvalidTopology
from topology.language.loader import check_text, load_topology, parse_topology
from topology.model import DEFAULT_CONFIRM_TIMEOUT

FILE = """\
exchanges: {e: {type: direct}}
queues: {q: {bindings: [{exchange: e, routing_key: q}]}}
default_queue: q
"""


def test_every_publish_is_confirmed_and_bounded_by_default() -> None:
    settings = celery_settings(load_topology(ROOT / "routing.yaml"), broker_url="amqp://h//")
    options = settings["broker_transport_options"]
    assert options["confirm_publish"] is True and options["errback"] is give_up_past_deadline
    assert settings[CONFIRM_TIMEOUT_SETTING] == DEFAULT_CONFIRM_TIMEOUT == 10
    assert settings["broker_connection_timeout"] <= DEFAULT_CONFIRM_TIMEOUT / 2
    policy = settings["task_publish_retry_policy"]
    assert policy["max_retries"] is not None and policy["interval_max"] <= DEFAULT_CONFIRM_TIMEOUT / 5


def test_the_confirm_timeout_is_set_in_the_file_and_scales_the_connect_and_retry_waits() -> None:
    settings = celery_settings(parse_topology(FILE + "publish: {confirm_timeout: 2s}\n"), broker_url="amqp://h//")
    assert settings[CONFIRM_TIMEOUT_SETTING] == 2.0
    assert settings["broker_connection_timeout"] == 0.5
    assert settings["task_publish_retry_policy"]["interval_max"] == pytest.approx(0.2)
    assert parse_topology(FILE + "publish: {confirm_timeout: 1m30s}\n").publishing.confirm_timeout == 90


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("0s", "routing.yaml:4:28: a confirm timeout is from 0.5s to 3600s, got 0s"),
        ("2h", "routing.yaml:4:28: a confirm timeout is from 0.5s to 3600s, got 7200s"),
        ("soon", "routing.yaml:4:28: 'soon' is not a duration such as 500ms, 30s, 5m, 1h30m or 7d"),
    ],
)
def test_a_confirm_timeout_out_of_bounds_is_one_line_at_its_place(written: str, problem: str) -> None:
    with pytest.raises(InvalidTopology) as caught:
        check_text(FILE + f"publish: {{confirm_timeout: {written}}}\n", "routing.yaml", environ={})
    assert [str(p) for p in caught.value.problems] == [problem]


def test_configure_makes_the_app_publish_confirmed_and_its_rpc_backend_bounded() -> None:
    app = configure(Celery("c", set_as_current=False), load_topology(ROOT / "routing.yaml"), broker_url="amqp://h//")
    assert isinstance(app.amqp, MandatoryAMQP) and isinstance(app.amqp, ConfirmedAMQP)  # every task mandatory
    assert app.conf.result_backend == "rpc://" and isinstance(app.backend, BoundedRPCBackend)
    opted_out = configure(Celery("m", set_as_current=False), parse_topology(FILE + "unroutable: false\n"), "amqp://h//")
    assert isinstance(opted_out.amqp, MandatoryAMQP) and isinstance(opted_out.amqp, ConfirmedAMQP)


def test_the_deadline_raises_once_another_attempt_would_not_fit_and_names_the_task_without_the_password() -> None:
    producer = SimpleNamespace(connection=kombu.Connection("amqp://guest:s3cret-pass@rabbit:5672//"))
    give_up_past_deadline(ConnectionRefusedError(111, "refused"))  # outside a publish: nothing to give up
    with _publishing("tasks.add", "id-1", producer, timeout=10, connect=1):
        give_up_past_deadline(ConnectionRefusedError(111, "refused"))  # 6 s of the 10 left: retry
        with pytest.raises(PublishNotConfirmed) as caught:
            give_up_past_deadline(ConnectionRefusedError(111, "refused"), interval=5)
    message = str(caught.value)
    assert caught.value.task == "tasks.add" and caught.value.task_id == "id-1"
    assert "'tasks.add' (id id-1)" in message and "rabbit:5672" in message and "refused" in message
    assert "s3cret" not in message


def test_a_publish_error_leaves_as_publish_not_confirmed_and_other_errors_pass() -> None:
    producer = SimpleNamespace(connection=kombu.Connection("amqp://rabbit//"))
    with pytest.raises(PublishNotConfirmed, match="TimeoutError"), _publishing("t", "i", producer, 10, 1):
        raise TimeoutError
    with pytest.raises(KeyError), _publishing("t", "i", producer, 10, 1):
        raise KeyError("not the broker's")
    assert issubclass(PublishNotConfirmed, kombu.exceptions.OperationalError)  # old handlers still catch it

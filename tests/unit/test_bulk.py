"""send_many's pure decisions: which batches go through apply_async for every task, how items pair up."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from celery import Celery
from celery.signals import after_task_publish

from tests.conftest import SEED
from topology.celery_adapter.bulk import BulkSendError, _items, _why_exact
from topology.celery_adapter.config import configure
from topology.celery_adapter.confirms import NotAccepted
from topology.language.loader import parse_topology


def double(x: int) -> int:
    return 2 * x


@pytest.fixture
def app() -> Iterator[Celery]:
    app = configure(Celery("unit", set_as_current=False), parse_topology(SEED), broker_url="amqp://localhost//")
    app.task(name="tasks.taskA", shared=False)(double)
    yield app
    app.close()


def test_a_plain_batch_differs_only_in_ids_and_arguments(app: Celery) -> None:
    assert _why_exact(app.tasks["tasks.taskA"], {"priority": 3, "headers": {"a": 1}}) is None


@pytest.mark.parametrize(
    ("options", "reason"),
    [({"countdown": 5}, "countdown"), ({"expires": 60}, "expires"), ({"shadow": "x"}, "shadow")],
)
def test_what_can_change_from_one_call_to_the_next(app: Celery, options: dict[str, Any], reason: str) -> None:
    assert reason in (_why_exact(app.tasks["tasks.taskA"], options) or "")


def test_signal_receivers_and_route_functions_need_apply_async_for_each_task(app: Celery) -> None:
    def receiver(**_: Any) -> None: ...

    after_task_publish.connect(receiver)
    try:
        assert "after_task_publish" in (_why_exact(app.tasks["tasks.taskA"], {}) or "")
    finally:
        after_task_publish.disconnect(receiver)
    app.conf.task_routes = [lambda name, args, kwargs, options, task=None: None]
    app.amqp.flush_routes()
    assert _why_exact(app.tasks["tasks.taskA"], {}) == "a route function in task_routes"


def test_items_pair_arguments_and_keywords_in_order() -> None:
    assert list(_items([(1,), (2,)], None)) == [((1,), {}), ((2,), {})]
    assert list(_items(None, [{"x": 1}])) == [((), {"x": 1})]
    assert list(_items([(1,)], [{"x": 1}])) == [((1,), {"x": 1})]
    with pytest.raises(ValueError):
        list(_items([(1,), (2,)], [{"x": 1}]))


def test_the_error_names_each_task_to_resend() -> None:
    refused = [NotAccepted(i, f"id-{i}", "nacked by the broker") for i in range(12)]
    error = BulkSendError(refused, sent=20, lost="not confirmed: ConnectionForced")
    assert str(error).startswith("12 of 20 tasks not accepted: id-0 (item 0): nacked by the broker; id-1")
    assert "and 2 more" in str(error) and str(error).endswith("stopped after 20 items: not confirmed: ConnectionForced")
    assert error.not_accepted == tuple(refused)

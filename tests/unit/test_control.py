"""Remote control made to survive a cluster node's loss: unconfirmed publishes and a node queue per connection
(the live side: tests/live/test_workers.py and, on RabbitMQ 4.3, tests/live/cluster)."""

from __future__ import annotations

from celery import Celery

from topology.celery_adapter.config import configure
from topology.celery_adapter.control import FailoverSafeControl
from topology.celery_adapter.publishing import CONFIRM_SHARE, unconfirmed_connection
from topology.language.loader import parse_topology
from topology.planning.consumers import celery_own

FILE = """\
exchanges: {jobs: {type: direct}}
queues: {work: {bindings: [{exchange: jobs, routing_key: work}]}}
default_queue: work
"""
URL = "amqp://guest:guest@127.0.0.1:5999/v"  # never connected to: kombu connects lazily


def app() -> Celery:
    return configure(Celery("control-test", set_as_current=False), parse_topology(FILE), broker_url=URL)


def test_tasks_are_published_confirmed_and_remote_control_unconfirmed_with_the_same_read_bound() -> None:
    configured = app()
    assert isinstance(configured.control, FailoverSafeControl)
    tasks = configured.amqp.producer_pool.connections.connection.transport_options
    control = configured.control.mailbox.producer_pool.connections.connection.transport_options
    assert tasks["confirm_publish"] is True and control["confirm_publish"] is False
    assert tasks["read_timeout"] == control["read_timeout"] == configured.conf.topology_confirm_timeout * CONFIRM_SHARE
    assert unconfirmed_connection(configured).transport_options["confirm_publish"] is False
    assert configured.pool.connection.transport_options["confirm_publish"] is True  # the app's own: unchanged


def test_each_listening_names_the_workers_node_queue_afresh_and_celerys_own_pattern_still_knows_it() -> None:
    mailbox = app().control.mailbox
    first, second = (mailbox.get_queue("w1@host") for _ in range(2))
    assert first.name != second.name
    for queue in (first, second):
        assert queue.name.startswith("w1@host.") and queue.name.endswith(".celery.pidbox") and celery_own(queue.name)
        assert queue.exchange.name == "celery.pidbox" and queue.exchange.type == "fanout" and queue.exclusive

"""The nets on a real broker: what an exchange cannot route and what a queue dead-letters is kept, set by
policy on live objects without recreating them; a file without the unroutable net raises at the caller."""

from __future__ import annotations

from pathlib import Path

import pytest
from celery import Celery

from tests.conftest import OWNED, SEED
from tests.live.conftest import Broker, wait_until
from topology.celery_adapter.config import configure
from topology.celery_adapter.mandatory import UnroutableTask
from topology.language.loader import load_topology

OPTED_OUT = "unroutable: false\ndead_letters: false\n"


def client(broker: Broker, path: Path) -> Celery:
    return configure(Celery("client", set_as_current=False), load_topology(path), broker_url=broker.url)


def test_the_nets_are_set_in_place_on_a_live_vhost_and_keep_what_would_be_dropped(broker: Broker) -> None:
    """Applied first without the nets, then with them: the same exchanges and queues, now with a net."""
    bare = broker.write(SEED + OPTED_OUT, "bare.yaml")
    assert broker.cli("apply", file=bare).returncode == 0
    netted = broker.write(SEED)
    planned = broker.cli("plan", file=netted)
    assert planned.returncode == 1 and "conflict" not in planned.stdout
    assert "create    policy   topology.unroutable" in planned.stdout
    assert broker.cli("apply", file=netted).returncode == 0
    assert broker.cli("plan", file=netted).returncode == 0

    with broker.connection() as connection:
        channel = connection.channel()
        channel.queue_unbind("for_task_A", "for_task_A", "for_task_A", OWNED)  # as the management UI's Unbind
        channel.basic_publish("for_task_A", "for_task_A", b"{}")
        channel.basic_publish("default", "no.such.key", b"{}")
        wait_until(lambda: broker.ready("topology.unroutable") == 2, "both kept as unroutable")
        got = channel.basic_get("topology.unroutable", auto_ack=True)[0]
        assert (got.exchange, got.routing_key) == ("for_task_A", "for_task_A")  # where it was published

        channel.basic_publish("default", "default", b"{}")
        method = channel.basic_get("default")[0]
        channel.basic_reject(method.delivery_tag, requeue=False)
        wait_until(lambda: broker.ready("topology.dead-letters") == 1, "the rejected message dead-lettered")
        properties = channel.basic_get("topology.dead-letters", auto_ack=True)[1]
        [death] = properties.headers["x-death"]
        assert (death["reason"], death["queue"], death["exchange"]) == ("rejected", "default", "default")


def test_a_policy_of_the_file_gets_the_dead_letter_exchange_merged_in_and_plan_says_so(broker: Broker) -> None:
    path = broker.write(SEED + "policies:\n  short: {queues: [default], message_ttl: 200ms}\n")
    planned = broker.cli("plan", file=path)
    assert (
        "create    policy   short  dead-letter-exchange=topology.dead-letters merged in by the nets" in planned.stdout
    )
    assert broker.cli("apply", file=path).returncode == 0
    definition = broker.state().policies["short"].definition
    assert dict(definition) == {"message-ttl": 200, "dead-letter-exchange": "topology.dead-letters"}
    with broker.connection() as connection:
        channel = connection.channel()
        channel.basic_publish("default", "default", b"{}")
        wait_until(lambda: broker.ready("topology.dead-letters") == 1, "the expired message dead-lettered")
        properties = channel.basic_get("topology.dead-letters", auto_ack=True)[1]
        assert properties.headers["x-death"][0]["reason"] == "expired"


def test_without_the_unroutable_net_a_returned_task_raises_at_the_caller(broker: Broker) -> None:
    path = broker.write(SEED + "unroutable: false\n")
    assert broker.cli("apply", file=path).returncode == 0
    app = client(broker, path)
    try:
        assert app.send_task("tasks.taskB", (1, 2, 3)).id  # routable: sent as before
        with broker.connection() as connection:
            connection.channel().queue_unbind("for_task_B", "for_task_B", "for_task_B", OWNED)
        with pytest.raises(UnroutableTask) as raised:
            app.send_task("tasks.taskB", (4, 5, 6))
        error = raised.value
        assert (error.task, error.exchange, error.routing_key) == ("tasks.taskB", "for_task_B", "for_task_B")
        assert "task 'tasks.taskB' (id " in str(error) and "exchange 'for_task_B'" in str(error)
        assert app.send_task("tasks.taskA", (1, 2)).id  # the connection is fine for the next task
        assert broker.ready("for_task_A") == 1 and broker.ready("for_task_B") == 1  # confirmed: in the queue
    finally:
        app.close()

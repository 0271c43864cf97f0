"""--recreate and --prune on classic, quorum and stream queues: deletes every queue type accepts, made only
while the queue is idle, and never before the route that replaces the old one works. The files opt out of
the nets: the tests count the vhost's objects, and the limited user could not set the nets' policies."""

from __future__ import annotations

import textwrap

import pytest

from tests.conftest import WITHOUT_NETS, envelope
from tests.live.conftest import Broker, wait_until
from tests.live.test_apply_inspect import admin_api

QUEUE_TYPES = ["classic", "quorum", "stream"]


def routing(queue: str, queue_type: str, extra: str = "") -> str:
    return (
        textwrap.dedent(f"""
        exchanges:
          jobs: {{type: direct}}
        queues:
          {queue}: {{type: {queue_type}, durable: true{extra}, bindings: [{{exchange: jobs, routing_key: k}}]}}
        routes:
          tasks.run: {queue}
        default_queue: {queue}
        """)
        + WITHOUT_NETS
    )


def declare_by_hand(broker: Broker, queue: str, queue_type: str) -> None:
    """`queue` as another client would make it: no max-length-bytes, so it conflicts with the file."""
    with broker.connection() as connection:
        channel = connection.channel()
        channel.exchange_declare("jobs", "direct", durable=True)
        channel.queue_declare(queue, durable=True, arguments={"x-queue-type": queue_type})
        channel.queue_bind(queue, "jobs", "k")


def publish(broker: Broker, exchange: str, routing_key: str) -> None:
    with broker.connection() as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(exchange, routing_key, b"work", mandatory=True)


@pytest.mark.parametrize("queue_type", QUEUE_TYPES)
def test_recreate_deletes_and_declares_again_a_conflicting_queue_of_every_type(broker: Broker, queue_type: str) -> None:
    declare_by_hand(broker, "work", queue_type)
    path = broker.write(routing("work", queue_type, ", max_length_bytes: 1000000"))
    applied = broker.cli("apply", "--recreate", "--yes", "--format", "json", file=path)
    if queue_type == "stream":  # a stream cannot be counted over AMQP: it is deleted only with --force
        assert applied.returncode == 1, applied.stdout + applied.stderr
        [conflict] = [c for c in envelope(applied.stdout)["changes"] if c["action"] == "conflict"]
        assert conflict["fix"].startswith("run `python -m topology apply --recreate --force`")
        applied = broker.cli("apply", "--recreate", "--yes", "--force", "--format", "json", file=path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    steps = {(c["kind"], c["name"] or c["destination"]): c["status"] for c in envelope(applied.stdout)["changes"]}
    assert steps == {("exchange", "jobs"): "unchanged", ("queue", "work"): "recreated", ("binding", "work"): "created"}
    live = broker.state().queues["work"]
    assert (live.type, live.arguments.get("x-max-length-bytes"), live.owner) == (queue_type, 1000000, "topology")
    assert broker.cli("plan", file=path).returncode == 0  # its binding came back with it
    publish(broker, "jobs", "k")
    if queue_type != "stream":  # a stream's passive declare counts nothing
        wait_until(lambda: broker.ready("work") == 1, "the message to reach the recreated queue")


def test_a_delete_is_asked_for_and_without_a_terminal_takes_yes(broker: Broker) -> None:
    """A script's `apply --recreate` deletes nothing unless it says --yes: exit 2, the question in the error."""
    declare_by_hand(broker, "work", "classic")
    path = broker.write(routing("work", "classic", ", max_length_bytes: 1000000"))
    unasked = broker.cli("apply", "--recreate", file=path)
    assert unasked.returncode == 2 and "delete 1 object: queue 'work' (to declare it again)" in unasked.stderr
    assert "pass --yes" in unasked.stderr and "x-max-length-bytes" not in broker.state().queues["work"].arguments
    assert broker.cli("apply", "--recreate", "--yes", file=path).returncode == 0


def test_recreate_refuses_a_quorum_queue_holding_messages_and_says_how_to_empty_it(broker: Broker) -> None:
    declare_by_hand(broker, "work", "quorum")
    publish(broker, "jobs", "k")
    path = broker.write(routing("work", "quorum", ", max_length_bytes: 1000000"))
    refused = broker.cli("apply", "--recreate", "--yes", file=path)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "holds 1 ready message and has 0 consumers" in refused.stdout and "nothing was changed" in refused.stdout
    [fix] = [line.strip() for line in refused.stdout.splitlines() if line.strip().startswith("fix:")]
    assert f"`rabbitmqctl -p {broker.vhost} purge_queue work`" in fix and "stop its" not in fix
    assert "then run `python -m topology apply --recreate` again" in fix
    assert "x-max-length-bytes by a policy" in fix  # a policy can set it without deleting the queue
    assert broker.ready("work") == 1


@pytest.mark.parametrize("queue_type", QUEUE_TYPES)
def test_prune_replaces_a_queue_of_every_type_by_another_on_the_same_route(broker: Broker, queue_type: str) -> None:
    assert broker.cli("apply", file=broker.write(routing("old", queue_type), "old.yaml")).returncode == 0
    path = broker.write(routing("new", "classic"))
    pruned = broker.cli("apply", "--prune", "--yes", "--format", "json", file=path)
    if queue_type == "stream":
        assert pruned.returncode == 1
        [conflict] = [c for c in envelope(pruned.stdout)["changes"] if c["action"] == "conflict"]
        assert (conflict["name"], conflict["fix"].split("`")[1]) == ("old", "python -m topology apply --prune --force")
        pruned = broker.cli("apply", "--prune", "--yes", "--force", "--format", "json", file=path)
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    done = {(c["status"], c["kind"], c["name"] or c["destination"]) for c in envelope(pruned.stdout)["changes"]}
    assert {("created", "queue", "new"), ("created", "binding", "new"), ("deleted", "queue", "old")} <= done
    assert set(broker.state().queues) == {"new"}
    publish(broker, "jobs", "k")
    wait_until(lambda: broker.ready("new") == 1, "the message to reach the new queue")
    assert broker.cli("inspect", file=path).returncode == 0  # no consumer: a warning, not drift


def test_a_delete_refused_part_way_leaves_the_new_route_working(broker: Broker) -> None:
    """The user may make 'new' (and take the apply lock) but not delete 'old' (configure permission): the
    apply fails on the delete, after the new queue is declared and bound, so the routing key still reaches a
    queue."""
    assert broker.cli("apply", file=broker.write(routing("old", "quorum"), "old.yaml")).returncode == 0
    user, password = f"{broker.vhost}-limited", "limited-secret"
    admin_api(broker, "PUT", f"/users/{user}", {"password": password, "tags": "management"})
    try:
        admin_api(
            broker,
            "PUT",
            f"/permissions/{broker.vhost}/{user}",
            {"configure": r"^(new|topology\.apply-lock)$", "write": ".*", "read": ".*"},
        )
        settings = broker.settings
        as_user = [
            "--broker",
            settings.broker.url(secret=True).replace("guest:guest", f"{user}:{password}"),
            "--management-url",
            settings.management.url(secret=True).replace("guest:guest", f"{user}:{password}"),
        ]
        pruned = broker.cli(
            "apply", "--prune", "--yes", *as_user, "--format", "json", file=broker.write(routing("new", "classic"))
        )
    finally:
        admin_api(broker, "DELETE", f"/users/{user}")
    assert pruned.returncode == 1, pruned.stdout + pruned.stderr
    changes = {(c["kind"], c["name"] or c["destination"]): c for c in envelope(pruned.stdout)["changes"]}
    assert changes[("queue", "old")]["status"] == "failed" and "configure" in changes[("queue", "old")]["detail"]
    assert changes[("queue", "new")]["status"] == "created" and changes[("binding", "new")]["status"] == "created"
    assert password not in pruned.stdout + pruned.stderr
    publish(broker, "jobs", "k")
    wait_until(lambda: broker.ready("new") == 1, "the message to reach the new queue")

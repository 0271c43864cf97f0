"""plan and apply when the management API does not answer: the vhost is read over AMQP alone (passive
declares, then declares of what exists, which RabbitMQ refuses where a property differs). Real RabbitMQ,
a vhost per test; the API is made unreachable by pointing --management-url at a closed port."""

from __future__ import annotations

import json

from tests.conftest import OWNED, WITHOUT_NETS
from tests.conftest import SEED as NETTED_SEED
from tests.live.conftest import Broker
from topology.planning.observed import LiveState

UNREACHABLE = ("--management-url", "http://127.0.0.1:1")  # nothing listens on port 1
SEED = NETTED_SEED + WITHOUT_NETS
"""The seed without the nets: they are set by policy, which only the management API can set (tested last)."""


def objects(state: LiveState) -> tuple[object, ...]:
    """Everything the vhost holds, as the management API shows it to the test: arguments and owner markers
    included (a live object's equality leaves them out)."""
    exchanges = {e.name: (e, e.arguments, e.owner) for e in state.exchanges.values()}
    queues = {q.name: (q, q.arguments, q.owner) for q in state.queues.values()}
    bindings = {(b, b.owner) for b in state.bindings}
    return exchanges, queues, bindings, state.policies


def test_apply_without_the_management_api_creates_the_topology_and_converges(broker: Broker) -> None:
    file = broker.write(SEED)
    cold = broker.cli("apply", *UNREACHABLE, file=file)
    assert cold.returncode == 0, cold.stdout + cold.stderr
    assert "Read over AMQP instead" in cold.stdout and "9 created" in cold.stdout
    applied = broker.state()
    assert {"default", "for_task_A", "for_task_B"} <= set(applied.exchanges)
    assert all(applied.queues[q].owner == OWNED["x-topology-owner"] for q in ("default", "for_task_A", "for_task_B"))
    assert {(b.source, b.destination, b.routing_key) for b in applied.bindings} == {
        ("default", "default", "default"),
        ("for_task_A", "for_task_A", "for_task_A"),
        ("for_task_B", "for_task_B", "for_task_B"),
    }
    with_api = broker.cli("plan", file=file)
    assert with_api.returncode == 0 and "nothing to do" in with_api.stdout, with_api.stdout

    warm = broker.cli("apply", *UNREACHABLE, file=file)
    assert warm.returncode == 0, warm.stdout + warm.stderr
    assert "6 unchanged, 3 ensured" in warm.stdout
    assert objects(broker.state()) == objects(applied)

    planned = broker.cli("plan", *UNREACHABLE, "--format", "json", file=file)
    data = json.loads(planned.stdout)
    # bindings cannot be seen: bound again by apply, which changes nothing where they exist, so no drift (as
    # inspect, which cannot see them either, says) and the note says what was not checked
    assert planned.returncode == 0, planned.stdout
    assert data["summary"] == {"unchanged": 6, "ensure": 3} and data["findings"] == []
    assert [c["action"] for c in data["changes"]] == ["ensure"] * 3
    assert "cannot reach the RabbitMQ management API" in data["note"]


def test_without_the_management_api_every_conflict_is_found_before_any_change(broker: Broker) -> None:
    with broker.connection() as made_by_hand:
        channel = made_by_hand.channel()
        channel.exchange_declare("default", "topic", durable=True)
        channel.queue_declare("for_task_B", durable=True, arguments={"x-max-length": 3})
        channel.queue_declare("default", durable=False)
        channel.queue_declare("jobs", durable=True, arguments={"x-queue-type": "quorum"})
    before = objects(broker.state())
    with_jobs = SEED.replace("routes:", "  jobs: {bindings: [{exchange: default, routing_key: jobs}]}\nroutes:", 1)
    with broker.connection() as holder:
        holder.channel().queue_declare("for_task_A", exclusive=True)  # another connection's queue
        result = broker.cli("apply", *UNREACHABLE, file=broker.write(with_jobs))
        after = objects(broker.state())
    assert result.returncode == 1, result.stderr
    conflicts = sorted(line for line in result.stdout.splitlines() if line.startswith("conflict"))
    expected = [
        "conflict  exchange default  type is topic on the broker but direct in routing.yaml",
        "conflict  queue    default  durable is false on the broker but true in routing.yaml",
        "conflict  queue    for_task_A  exclusive is true on the broker but false in routing.yaml",
        "conflict  queue    for_task_B  x-max-length is 3 on the broker but not set in routing.yaml",
        "conflict  queue    jobs  type is quorum on the broker but classic in routing.yaml",
    ]
    assert len(conflicts) == len(expected) and all(c.startswith(e) for c, e in zip(conflicts, expected, strict=True))
    assert "nothing was changed" in result.stdout
    assert after == before  # nothing made (the holder's exclusive queue is never in definitions)


def test_without_the_management_api_recreate_asks_the_queue_itself_whether_it_is_empty(broker: Broker) -> None:
    with broker.connection() as connection:
        channel = connection.channel()
        channel.queue_declare("for_task_A", durable=False)
        channel.basic_publish("", "for_task_A", b"work")
        channel.queue_declare("for_task_B", durable=False)
    file = broker.write(SEED)
    refused = broker.cli("apply", "--recreate", "--yes", *UNREACHABLE, file=file)
    assert refused.returncode == 1, refused.stderr
    assert "holds 1 ready message and has 0 consumers" in refused.stdout
    assert not broker.state().queues["for_task_B"].durable  # conflicts anywhere: nothing changed
    with broker.connection() as connection:
        connection.channel().queue_purge("for_task_A")
    recreated = broker.cli("apply", "--recreate", "--yes", *UNREACHABLE, file=file)
    assert recreated.returncode == 0, recreated.stdout + recreated.stderr
    queues = broker.state().queues
    assert queues["for_task_A"].durable and queues["for_task_B"].durable


def test_without_the_management_api_policies_and_prune_are_refused_with_nothing_changed(broker: Broker) -> None:
    with_policy = SEED.replace(
        "default_queue: default", "default_queue: default\npolicies:\n  limits: {queues: [for_task_A], max_length: 10}"
    )
    policy = broker.cli("apply", *UNREACHABLE, file=broker.write(with_policy, "policy.yaml"))
    prune = broker.cli("apply", "--prune", "--yes", *UNREACHABLE, file=broker.write(SEED))
    assert policy.returncode == 3 and prune.returncode == 3
    assert "routing.yaml declares policies, which only the management API can do" in policy.stderr
    assert "--prune lists the vhost, which only the management API can do" in prune.stderr
    assert "Traceback" not in policy.stderr + prune.stderr
    assert not broker.state().queues and not broker.state().exchanges


def test_a_closed_management_port_does_not_hide_a_refused_password(broker: Broker) -> None:
    """The AMQP read is a fallback for an API that does not answer, not for credentials that are wrong."""
    wrong = broker.settings.broker.url(secret=True).replace(":guest@", ":wrong-password@")
    result = broker.cli("apply", "--broker", wrong, *UNREACHABLE, file=broker.write(SEED))
    assert result.returncode == 3
    assert "wrong user or password" in result.stderr and "wrong-password" not in result.stderr


def test_inspect_without_the_management_api_checks_existence_and_live_counts(broker: Broker) -> None:
    file = broker.write(SEED)
    applied = broker.cli("apply", file=file)
    assert applied.returncode == 0, applied.stderr
    with broker.connection() as connection:
        channel = connection.channel()
        channel.basic_publish("for_task_A", "for_task_A", b"work")
        channel.queue_delete("for_task_B")
    before = objects(broker.state())
    result = broker.cli("inspect", "--format", "json", *UNREACHABLE, file=file)
    data = json.loads(result.stdout)
    assert result.returncode == 1, result.stderr
    assert "their properties, the bindings and objects not in the file are not checked" in data["note"]
    assert "rabbitmq-plugins enable rabbitmq_management" in data["note"] and "guest:guest" not in result.stdout
    assert [f["code"] for f in data["findings"] if f["severity"] == "error"] == ["missing_queue"]
    rows = {row["name"]: row for row in data["data"]["queues"]}
    assert rows["for_task_A"]["messages_ready"] == 1 and rows["for_task_A"]["consumers"] == 0
    assert not rows["for_task_B"]["exists"]
    assert objects(broker.state()) == before  # nothing made: the missing queue stays missing


def test_without_the_management_api_the_nets_are_refused_with_how_to_opt_out(broker: Broker) -> None:
    refused = broker.cli("apply", *UNREACHABLE, file=broker.write(NETTED_SEED))
    assert refused.returncode == 3
    assert refused.stderr.strip().endswith(
        "the nets (unroutable, dead_letters) are set by policy, which only the management API can do; "
        "or opt out with `unroutable: false` and `dead_letters: false`"
    )
    assert broker.state().queues == {}

"""plan / apply at scale on a real RabbitMQ: generated topologies, single mutations, --recreate, --prune,
an apply killed, or its connections closed or cut, mid-way, and policies. Each test has a vhost of its own."""

from __future__ import annotations

import json
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from subprocess import PIPE

import pika
import pytest

from tests.conftest import LADDER_OBJECTS, OWNED, ROOT, SEED, WITHOUT_NETS, envelope
from tests.live.conftest import RABBITMQCTL, Broker, wait_until
from tests.live.relay import Relay
from topology.broker.session import VhostSession
from topology.commands.apply import ApplyReport, apply_topology
from topology.commands.plan import read_plan
from topology.language.loader import parse_topology
from topology.model import OWNER_ARGUMENT
from topology.planning.plan import NO_OPTIONS, Plan, PlanOptions
from topology.testing.synthetic import object_count, synthetic_yaml

SMALL = (
    synthetic_yaml(100) + "delays: false\n"
)  # the ladder: test_delays.py. 10 services: 10 exchanges, 30 queues (3 quorum), 60 bindings


def apply_text(broker: Broker, text: str, options: PlanOptions = NO_OPTIONS) -> ApplyReport:
    return apply_topology(parse_topology(text), VhostSession(broker.settings), options)


def plan_text(broker: Broker, text: str, options: PlanOptions = NO_OPTIONS) -> Plan:
    return read_plan(parse_topology(text), VhostSession(broker.settings), options)


def findings(planned: Plan) -> list[tuple[str, str, str]]:
    return [(c.action.value, c.kind.value, c.ref.shown) for c in planned.findings]


def test_plan_of_an_applied_generated_topology_is_empty_and_exits_0(broker: Broker) -> None:
    path = broker.write(synthetic_yaml(1000) + WITHOUT_NETS)
    before = broker.cli("plan", "--format", "json", file=path)
    assert before.returncode == 1 and json.loads(before.stdout)["summary"] == {"create": object_count(1000)}
    applied = broker.cli("apply", file=path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    after = broker.cli("plan", "--format", "json", file=path)
    assert after.returncode == 0, after.stdout
    data = json.loads(after.stdout)
    assert data["summary"] == {"unchanged": 1000} and data["changes"] == [] and data["findings"] == []
    live = broker.state()
    assert len(live.exchanges) - sum(name.startswith("amq.") or name == "" for name in live.exchanges) == 100
    assert len(live.queues) == 300 and sum(q.type == "quorum" for q in live.queues.values()) == 30
    assert {q.owner for q in live.queues.values()} == {"topology"}  # the ownership marker is on every object
    assert {b.owner for b in live.bindings if b.source} == {"topology"}


Mutation = Callable[[pika.adapters.blocking_connection.BlockingChannel], object]
MUTATIONS: dict[str, tuple[Mutation, tuple[str, str, str]]] = {
    "queue deleted": (lambda ch: ch.queue_delete("svc3.q1"), ("create", "queue", "svc3.q1")),
    "exchange deleted": (lambda ch: ch.exchange_delete("svc4"), ("create", "exchange", "svc4")),
    "binding removed": (
        lambda ch: ch.queue_unbind("svc2.q0", "svc2", "svc2.q0", OWNED),
        ("create", "binding", "'svc2' -> queue 'svc2.q0' (routing key 'svc2.q0')"),
    ),
    "binding added": (
        lambda ch: ch.queue_bind("svc2.q0", "svc5", "stray.key"),
        ("extra", "binding", "'svc5' -> queue 'svc2.q0' (routing key 'stray.key')"),
    ),
    "queue added": (lambda ch: ch.queue_declare("stray", durable=True), ("extra", "queue", "stray")),
    "exchange added": (lambda ch: ch.exchange_declare("stray-x", "fanout"), ("extra", "exchange", "stray-x")),
    "queue made transient": (
        lambda ch: (ch.queue_delete("svc1.q2"), ch.queue_declare("svc1.q2", durable=False)),
        ("conflict", "queue", "svc1.q2"),
    ),
    "exchange retyped": (
        lambda ch: (ch.exchange_delete("svc6"), ch.exchange_declare("svc6", "fanout", durable=True)),
        ("conflict", "exchange", "svc6"),
    ),
    "queue argument added": (
        lambda ch: (
            ch.queue_delete("svc7.q1"),
            ch.queue_declare("svc7.q1", durable=True, arguments={"x-max-length": 9}),
        ),
        ("conflict", "queue", "svc7.q1"),
    ),
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_every_single_mutation_on_the_broker_is_exactly_one_finding(broker: Broker, mutation: str) -> None:
    assert apply_text(broker, SMALL).ok
    assert findings(plan_text(broker, SMALL)) == []
    mutate, expected = MUTATIONS[mutation]
    with broker.connection() as connection:
        mutate(connection.channel())
    assert findings(plan_text(broker, SMALL)) == [expected]
    inspected = broker.cli("inspect", "--format", "json", file=broker.write(SMALL))
    errors = [f for f in json.loads(inspected.stdout)["findings"] if f["severity"] == "error"]
    assert inspected.returncode == 1 and len(errors) == 1, errors


def test_apply_repairs_a_deleted_queue_with_its_bindings_and_sends_only_the_difference(broker: Broker) -> None:
    assert apply_text(broker, SMALL).ok
    with broker.connection() as connection:
        connection.channel().queue_delete("svc3.q1")
    report = apply_text(broker, SMALL)
    changed = [(s.status.value, s.ref.kind.value, s.ref.shown) for s in report.steps if s.status != "unchanged"]
    assert changed == [
        ("created", "queue", "svc3.q1"),
        ("created", "binding", "'svc3' -> queue 'svc3.q1' (routing key 'svc3.q1.#')"),
        ("created", "binding", "'svc3' -> queue 'svc3.q1' (routing key 'svc3.*.q1')"),
    ]
    assert findings(plan_text(broker, SMALL)) == []


def _make_conflicting_queue_with_a_message(broker: Broker) -> None:
    """for_task_B replaced by a transient queue holding one message (as an old deploy might have left it)."""
    with broker.connection() as connection:
        channel = connection.channel()
        channel.queue_delete("for_task_B")
        channel.queue_declare("for_task_B", durable=False)
        channel.basic_publish("", "for_task_B", b"precious")


def test_recreate_refuses_a_queue_holding_messages_and_recreates_it_once_empty(broker: Broker) -> None:
    path = broker.write(SEED)
    assert broker.cli("apply", file=path).returncode == 0
    _make_conflicting_queue_with_a_message(broker)
    refused = broker.cli("apply", "--recreate", "--yes", file=path)
    assert refused.returncode == 1
    assert "holds 1 ready message and has 0 consumers" in refused.stdout and "nothing was changed" in refused.stdout
    fix = next(line for line in refused.stdout.splitlines() if line.lstrip().startswith("fix:"))
    assert "purge_queue for_task_B" in fix and "then run `python -m topology apply --recreate` again" in fix
    assert "stop its" not in fix  # nobody consumes it: there are no workers to stop
    assert broker.ready("for_task_B") == 1
    with broker.connection() as connection:
        connection.channel().queue_purge("for_task_B")
    recreated = broker.cli("apply", "--recreate", "--yes", file=path)
    assert recreated.returncode == 0, recreated.stdout
    assert "recreated queue    for_task_B" in recreated.stdout
    live = broker.state()
    assert live.queues["for_task_B"].durable and live.queues["for_task_B"].owner == "topology"
    assert broker.cli("plan", file=path).returncode == 0  # its binding came back with it


def test_prune_removes_only_what_this_owner_made_and_keeps_queues_holding_messages_without_force(
    broker: Broker,
) -> None:
    grown = SEED.replace(
        "queues:\n", "queues:\n  retired:    {bindings: [{exchange: for_task_A, routing_key: retired}]}\n"
    ).replace("exchanges:\n", "exchanges:\n  old_events: {type: fanout}\n")
    seed = broker.write(SEED)
    assert broker.cli("apply", file=broker.write(grown, "grown.yaml")).returncode == 0
    with broker.connection() as connection:
        channel = connection.channel()
        channel.queue_declare("not-ours", durable=True)  # e.g. made by hand, or by another tool
        channel.queue_declare("team-b", durable=True, arguments={OWNER_ARGUMENT: "team-b"})
        channel.queue_bind("not-ours", "for_task_A", "by-hand")
        channel.basic_publish("", "retired", b"still here")
    kept = broker.cli("apply", "--prune", "--yes", file=seed)
    assert kept.returncode == 1 and "--prune deletes a queue holding messages" in kept.stdout
    assert "nothing was changed" in kept.stdout
    assert broker.ready("retired") == 1
    forced = broker.cli("apply", "--prune", "--yes", "--force", file=seed)
    assert forced.returncode == 0, forced.stdout
    assert "deleted   queue    retired" in forced.stdout and "deleted   exchange old_events" in forced.stdout
    live = broker.state()
    assert {"not-ours", "team-b"} <= set(live.queues) and "retired" not in live.queues
    assert "old_events" not in live.exchanges
    assert any(b.routing_key == "by-hand" for b in live.bindings)  # a binding we did not make stays too
    again = broker.cli("plan", "--prune", "--format", "json", file=seed)
    left = {
        (c["action"], c["kind"], c["name"] or c["destination"], c["routing_key"])
        for c in envelope(again.stdout)["changes"]
    }
    assert left == {
        ("extra", "queue", "not-ours", None),
        ("extra", "queue", "team-b", None),
        ("extra", "binding", "not-ours", "by-hand"),
    }
    assert again.returncode == 1  # what --prune leaves is still drift, as inspect says


def _apply_process(broker: Broker, text: str, relay: Relay) -> subprocess.Popen[str]:
    """`topology apply` of `text` as a process whose AMQP connections go through `relay`."""
    through_relay = replace(broker.settings.broker, host="127.0.0.1", port=relay.port)
    env = broker.env(
        broker.write(text, "big.yaml"),
        CELERY_BROKER_URL=through_relay.url(secret=True),
        RABBITMQ_MANAGEMENT_URL=broker.settings.management.url(secret=True),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "topology", "apply"], cwd=ROOT, env=env, stdout=PIPE, stderr=PIPE, text=True
    )


def _queue_count(broker: Broker) -> int:
    return len(broker.state().queues)


MIDWAY = 40_000
"""Bytes of AMQP after which the relay holds apply: past the connection set-up and the 300 exchanges'
declares (about 25 kB), well short of the 900 queues' (about 65 kB more: all of them are sent by 80 kB)."""


@contextmanager
def held_midway(broker: Broker, text: str) -> Iterator[tuple[Relay, subprocess.Popen[str]]]:
    """An apply of `text` held mid-way: some of its queues exist, not all."""
    relay = Relay((broker.settings.broker.host, broker.settings.broker.port), hold_after=MIDWAY)
    try:
        process = _apply_process(broker, text, relay)
        wait_until(relay.holding.is_set, "apply to be held mid-way", process)
        wait_until(lambda: _queue_count(broker) > 0, "the broker to declare what reached it", process)
        yield relay, process
    finally:
        relay.close()


def test_an_apply_killed_midway_leaves_part_done_and_the_next_run_converges(broker: Broker) -> None:
    text = synthetic_yaml(3000) + WITHOUT_NETS  # 900 queues
    with held_midway(broker, text) as (_, process):
        process.send_signal(signal.SIGKILL)
        process.wait()
    partial = _queue_count(broker)
    assert 0 < partial < 900, f"the kill did not land mid-way ({partial} queues)"
    assert apply_text(broker, text).ok
    planned = plan_text(broker, text)
    assert planned.pending == () and planned.counts == {"unchanged": object_count(3000)}


def test_a_connection_closed_by_the_broker_during_apply_is_retried_and_the_apply_converges(broker: Broker) -> None:
    """RabbitMQ closes apply's connections mid-way (as when it restarts): apply plans again and finishes."""
    # the management API lists connections only after a statistics interval: too late, so rabbitmqctl
    command = shlex.split(RABBITMQCTL) if RABBITMQCTL else None
    if command is None or shutil.which(command[0]) is None:
        pytest.skip("no rabbitmqctl for the broker under test: set TEST_RABBITMQCTL (e.g. 'rabbitmqctl -n NODE')")
    text = synthetic_yaml(3000)
    with held_midway(broker, text) as (relay, process):
        closed = subprocess.run(
            [*command, "close_all_connections", "-p", broker.vhost, "test: connection dropped"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert closed.returncode == 0, closed.stderr
        relay.release()
        stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stdout[-2000:] + stderr
    assert "retried after" in stdout and "test: connection dropped" in stdout
    assert plan_text(broker, text).pending == ()


def test_a_connection_cut_by_the_network_during_apply_is_retried_and_the_apply_converges(broker: Broker) -> None:
    """The TCP connections drop mid-way without a word from RabbitMQ (a load balancer, a network failure)."""
    text = synthetic_yaml(3000)
    with held_midway(broker, text) as (relay, process):
        relay.cut()
        relay.release()
        stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stdout[-2000:] + stderr
    assert "retried after: lost the connection to RabbitMQ" in stdout
    assert plan_text(broker, text).pending == ()


POLICIES = SEED.replace(
    "default_queue: default",
    "default_queue: default\npolicies:\n"
    "  limits: {queues: [for_task_A, for_task_B], max_length: 1000, message_ttl: 1h}\n" + WITHOUT_NETS,
)


def test_policies_are_applied_diffed_and_updated_in_place(broker: Broker) -> None:
    path = broker.write(POLICIES)
    assert broker.cli("apply", file=path).returncode == 0
    [policy] = broker.state().policies.values()
    assert policy.pattern == "^(for_task_A|for_task_B)$" and policy.apply_to == "queues"
    assert policy.definition == {"max-length": 1000, "message-ttl": 3_600_000}
    assert broker.cli("plan", file=path).returncode == 0
    changed = broker.write(POLICIES.replace("max_length: 1000", "max_length: 10"))
    planned = broker.cli("plan", file=changed)
    assert planned.returncode == 1
    assert "update    policy   limits\n           ~ max-length: 1000 -> 10\n" in planned.stdout
    assert broker.cli("apply", file=changed).returncode == 0
    wait_until(lambda: _effective_max_length(broker, "for_task_A") == 10, "RabbitMQ to apply the new max-length")
    with broker.connection() as connection:  # the queue was changed in place: the limit holds on live traffic
        channel = connection.channel()
        for n in range(15):
            channel.basic_publish("for_task_A", "for_task_A", str(n).encode())
    wait_until(lambda: broker.ready("for_task_A") == 10, "max-length 10 to drop the oldest messages")


def _effective_max_length(broker: Broker, queue: str) -> object:
    return broker.management().queue(broker.vhost, queue).get("effective_policy_definition", {}).get("max-length")


def test_plan_exit_codes_and_json_for_ci(broker: Broker) -> None:
    path = broker.write(SEED)
    pending = broker.cli("plan", "--format", "json", file=path)
    planned = json.loads(pending.stdout)
    # 9 objects, 8 of the nets, the delay ladder and its 6 bindings into the file's exchanges and queues
    assert pending.returncode == 1 and planned["summary"] == {"create": 17 + LADDER_OBJECTS + 6}
    assert len(planned["changes"]) == 17 + LADDER_OBJECTS + 6
    codes = {f["code"] for f in planned["findings"]}
    assert codes == {"missing_exchange", "missing_queue", "missing_policy"}  # bindings: part of them; the nets' policy
    assert broker.cli("apply", file=path).returncode == 0
    done = broker.cli("plan", file=path)
    assert done.returncode == 0 and "nothing to do" in done.stdout
    _make_conflicting_queue_with_a_message(broker)
    conflicted = broker.cli("plan", "--format", "json", file=path)
    data = json.loads(conflicted.stdout)
    assert conflicted.returncode == 1 and data["summary"]["conflict"] == 1
    assert [(c["action"], c["name"]) for c in data["changes"] if c["kind"] == "queue"] == [("conflict", "for_task_B")]
    assert broker.ready("for_task_B") == 1  # plan changed nothing: the message is still there


PAYMENTS = SEED.replace(
    "queues:\n", "queues:\n  payments: {type: quorum, bindings: [{exchange: default, routing_key: pay}]}\n"
).replace("  for_task_A: {bindings", "  for_task_A: {max_priority: 10, bindings")


def test_plan_says_what_it_declares_and_a_saved_plan_applies_only_to_the_broker_it_saw(broker: Broker) -> None:
    path = broker.write(PAYMENTS)
    planned = broker.cli("plan", "--format", "json", file=path)
    changes = {(c["kind"], c["name"]): c for c in envelope(planned.stdout)["changes"]}
    assert changes[("queue", "payments")]["declares"]["type"] == "quorum"
    assert changes[("queue", "for_task_A")]["declares"]["x-max-priority"] == 10
    text = broker.cli("plan", file=path).stdout
    assert "+ type: quorum" in text and "+ x-max-priority: 10" in text

    saved = broker.tmp / "reviewed.json"
    assert broker.cli("plan", "-o", str(saved), file=path).returncode == 1  # changes pending, saved
    with broker.connection() as connection:  # the broker changes after the review
        connection.channel().queue_declare("by-hand", durable=True)
    stale = broker.cli("apply", str(saved))
    assert stale.returncode == 1 and "no longer as the saved plan found it" in stale.stdout
    assert "payments" not in broker.state().queues  # nothing sent
    assert broker.cli("plan", "-o", str(saved), file=path).returncode == 1
    path.write_text(SEED)  # the file changes after the review: the saved plan carries the reviewed one
    applied = broker.cli("apply", str(saved))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "payments" in broker.state().queues

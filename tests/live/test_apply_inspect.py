"""apply and inspect against a real RabbitMQ, each test in a vhost of its own."""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest

from tests.conftest import LADDER, LADDER_OBJECTS, OWNED, SEED, WITHOUT_NETS
from tests.live.conftest import Broker
from topology.broker.management import ManagementClient
from topology.broker.session import COUNTING_FAN_OUT, VhostSession
from topology.broker.settings import Settings
from topology.hints import RECOMMENDED_FILE_DESCRIPTORS
from topology.testing.synthetic import synthetic_yaml


def apply_seed(broker: Broker) -> None:
    result = broker.cli("apply", file=broker.write(SEED))
    assert result.returncode == 0, result.stdout + result.stderr


def findings(broker: Broker) -> tuple[int, list[dict[str, Any]]]:
    result = broker.cli("inspect", "--format", "json", file=broker.write(SEED))
    return result.returncode, json.loads(result.stdout)["findings"]


def identity(finding: dict[str, Any]) -> tuple[str | None, ...]:
    """What a finding is about, from its fields: (kind, name), or a binding's (kind, source, destination, key)."""
    if finding["kind"] == "binding":
        return ("binding", finding["source"], finding["destination"], finding["routing_key"])
    return (finding["kind"], finding["name"])


def test_apply_then_inspect_is_in_sync(broker: Broker) -> None:
    result = broker.cli("apply", file=broker.write(SEED))
    assert result.returncode == 0, result.stderr
    # 3 exchanges, 3 queues, 3 bindings; the nets' 2 policies, 2 exchanges, 2 queues, 2 bindings; the delay
    # ladder and its 6 bindings into the file's exchanges and queues; the summary
    assert result.stdout.count("created") == 17 + LADDER_OBJECTS + 6 + 1
    state = broker.state()
    assert {"default", "for_task_A", "for_task_B"} <= set(state.exchanges)
    assert state.exchanges["for_task_A"].type == "direct" and state.exchanges["for_task_A"].durable
    assert all(state.queues[q].durable for q in ("default", "for_task_A", "for_task_B"))
    assert {
        (b.source, b.destination, b.routing_key) for b in state.bindings if b.source and LADDER not in b.source
    } == {
        ("default", "default", "default"),
        ("for_task_A", "for_task_A", "for_task_A"),
        ("for_task_B", "for_task_B", "for_task_B"),
        *((net, net, "") for net in ("topology.unroutable", "topology.dead-letters")),
    }
    inspected = broker.cli("inspect", file=broker.write(SEED))
    assert inspected.returncode == 0, inspected.stdout
    assert "in sync: 0 drift findings, 3 warnings" in inspected.stdout
    assert (
        "tasks.add is routed to queue 'default', which no worker consumes: its tasks will stay PENDING"
        in inspected.stdout
    )
    assert broker.cli("inspect", "--require-consumers", file=broker.write(SEED)).returncode == 1


def test_inspect_shows_each_queue_once_with_its_live_counts(broker: Broker) -> None:
    """One table, one source per figure: the ready count is AMQP's, never the management API's (which lags)."""
    assert broker.cli("apply", file=broker.write(SEED)).returncode == 0
    with broker.connection() as connection:
        channel = connection.channel()
        channel.confirm_delivery()  # each publish returns once the queue holds the message
        for _ in range(2):
            channel.basic_publish("for_task_A", "for_task_A", b"{}")
    inspected = broker.cli("inspect", file=broker.write(SEED))
    lines = inspected.stdout.splitlines()
    [header] = [line for line in lines if line.startswith("QUEUE ")]
    assert header.split() == ["QUEUE", "READY", "UNACKED", "OLDEST", "CONSUMED", "BY", "ROUTED", "TASKS"]
    rows = [line.split() for line in lines if line.split() and line.split()[0] in QUEUES]
    assert sorted(row[0] for row in rows) == sorted(QUEUES)  # each queue once
    assert {row[0]: (row[1], row[-1]) for row in rows} == {
        "default": ("0", "tasks.add"),
        "for_task_A": ("2", "tasks.taskA"),
        "for_task_B": ("0", "tasks.taskB"),
        "topology.unroutable": ("0", "-"),
        "topology.dead-letters": ("0", "-"),
    }


QUEUES = ("default", "for_task_A", "for_task_B", "topology.unroutable", "topology.dead-letters")


def test_apply_twice_changes_nothing(broker: Broker) -> None:
    apply_seed(broker)
    again = broker.cli("apply", "--format", "json", file=broker.write(SEED))
    assert again.returncode == 0
    steps = json.loads(again.stdout)["changes"]
    assert len(steps) == 17 + LADDER_OBJECTS + 6 and {s["status"] for s in steps} == {"unchanged"}


def test_conflict_is_reported_with_the_fix_and_nothing_changes(broker: Broker) -> None:
    with broker.connection() as connection:
        connection.channel().queue_declare("for_task_B", durable=False)
    result = broker.cli("apply", file=broker.write(SEED))
    assert result.returncode == 1
    assert "conflict  queue    for_task_B  durable is false on the broker but true in routing.yaml" in result.stdout
    assert f"rabbitmqctl -p {broker.vhost} delete_queue for_task_B" in result.stdout and "--recreate" in result.stdout
    assert "NOT applied" in result.stdout and "nothing was changed" in result.stdout
    state = broker.state()
    assert not {"default", "for_task_A", "for_task_B"} & set(state.exchanges)  # checked first, then nothing made
    assert set(state.queues) == {"for_task_B"} and not state.queues["for_task_B"].durable


def test_deleted_binding_is_drift(broker: Broker) -> None:
    apply_seed(broker)
    with broker.connection() as connection:
        connection.channel().queue_unbind("for_task_A", "for_task_A", "for_task_A", OWNED)
    code, found = findings(broker)
    assert code == 1
    assert [(f["code"], identity(f)) for f in found if f["severity"] == "error"] == [
        ("missing_binding", ("binding", "for_task_A", "for_task_A", "for_task_A"))
    ]
    assert found[0]["destination_kind"] == "queue" and found[0]["fix"] == "run `python -m topology apply`"


def test_extra_binding_is_drift(broker: Broker) -> None:
    apply_seed(broker)
    with broker.connection() as connection:
        connection.channel().queue_bind("for_task_B", "for_task_A", "for_task_A")
    code, found = findings(broker)
    assert code == 1
    extra = ("binding", "for_task_A", "for_task_B", "for_task_A")
    assert [(f["code"], identity(f)) for f in found if f["severity"] == "error"] == [
        ("extra_binding", extra),
        ("captured_route", extra),  # and it takes a copy of every tasks.taskA
    ]


def test_deleted_queue_is_drift(broker: Broker) -> None:
    apply_seed(broker)
    with broker.connection() as connection:
        connection.channel().queue_delete("default")
    code, found = findings(broker)
    assert code == 1
    assert [f["code"] for f in found if f["severity"] == "error"] == ["missing_queue"]
    assert "queue 'default' is missing" in found[0]["message"]


def test_retyped_exchange_is_drift(broker: Broker) -> None:
    apply_seed(broker)
    with broker.connection() as connection:
        channel = connection.channel()
        channel.exchange_delete("for_task_B")
        channel.exchange_declare("for_task_B", "topic", durable=True)
        channel.queue_bind("for_task_B", "for_task_B", "for_task_B")
    code, found = findings(broker)
    assert code == 1
    assert [(f["code"], f["message"]) for f in found if f["severity"] == "error"] == [
        ("exchange_mismatch", "exchange 'for_task_B' has type=topic but routing.yaml says direct")
    ]
    assert [(f["name"], f["property"], f["found"], f["wanted"]) for f in found if f["severity"] == "error"] == [
        ("for_task_B", "type", "topic", "direct")
    ]


def test_extra_queue_and_exchange_are_drift_but_celery_internals_are_not(broker: Broker) -> None:
    apply_seed(broker)
    with broker.connection() as connection:
        channel = connection.channel()
        channel.exchange_declare("stray", "fanout")
        channel.queue_declare("leftover", durable=True)
        channel.exchange_declare("celery.pidbox", "fanout", durable=False)
        channel.queue_declare("reply-to-someone", exclusive=True)
        code, found = findings(broker)
    assert code == 1
    assert sorted(identity(f) for f in found if f["severity"] == "error") == [
        ("exchange", "stray"),
        ("queue", "leftover"),
    ]


def test_invalid_file_exits_2_without_traceback_or_broker_change(broker: Broker) -> None:
    text = SEED.replace("routing_key: for_task_B}", "routing_key: for_task_B, colour: red}")
    line = next(n for n, content in enumerate(text.splitlines(), 1) if "colour" in content)
    bad = broker.write(text)
    for command in ("validate", "apply", "inspect"):
        result = broker.cli(command, file=bad)
        assert result.returncode == 2, command
        assert result.stderr.startswith(f"{bad}:{line}:") and "unknown key 'colour'" in result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""
    assert not {"default", "for_task_A", "for_task_B"} & set(broker.state().exchanges)


def test_unreachable_broker_exits_3_with_one_line_and_no_password(broker: Broker) -> None:
    unreachable = ("--broker", "amqp://guest:SECRETPW@127.0.0.1:1//", "--management-url", "http://127.0.0.1:2")
    result = broker.cli("apply", *unreachable, file=broker.write(SEED))
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1 and "connection refused" in result.stderr
    assert "SECRETPW" not in result.stderr + result.stdout and "guest:***@127.0.0.1:2" in result.stderr


def test_wrong_password_exits_3_without_printing_it(broker: Broker) -> None:
    url = broker.url.replace("guest:guest", "guest:WRONGPW")
    result = broker.cli("inspect", "--broker", url, file=broker.write(SEED))
    assert result.returncode == 3
    assert "refused user 'guest'" in result.stderr and "WRONGPW" not in result.stderr + result.stdout


@pytest.mark.parametrize("command", ["plan", "apply", "inspect"])
def test_missing_vhost_exits_3_with_the_fix(broker: Broker, command: str) -> None:
    url = broker.url.rsplit("/", 1)[0] + "/no-such-vhost-here"
    result = broker.cli(command, "--broker", url, file=broker.write(SEED))
    assert result.returncode == 3, result.stdout + result.stderr
    assert "rabbitmqctl add_vhost no-such-vhost-here" in result.stderr


def test_another_connection_s_exclusive_queue_is_reported_missing_without_failing(broker: Broker) -> None:
    """Its owner alone may declare it, even passively (405): inspect reports it missing instead of failing."""
    with broker.connection() as connection:
        connection.channel().queue_declare("for_task_B", exclusive=True)
        assert "for_task_B" not in broker.state().queues  # the definitions leave exclusive queues out
        code, found = findings(broker)
    assert code == 1
    assert ("missing_queue", ("queue", "for_task_B")) in {(f["code"], identity(f)) for f in found}


def test_a_missing_queue_does_not_cost_the_others_their_live_counts(broker: Broker) -> None:
    """The declares go out before the definitions are in: the refused one ends them, the rest are asked after."""
    path = broker.write(synthetic_yaml(100) + WITHOUT_NETS)  # 30 queues: several on each of the counting channels
    assert broker.cli("apply", file=path).returncode == 0
    with broker.connection() as connection:
        channel = connection.channel()
        channel.queue_delete("svc0.q0")  # the first one asked
        channel.confirm_delivery()
        channel.basic_publish("", "svc9.q2", b"{}")  # the last one
    inspected = broker.cli("inspect", "--format", "json", file=path)
    rows = {row["name"]: row for row in json.loads(inspected.stdout)["data"]["queues"]}
    assert len(rows) == 30 and not rows["svc0.q0"]["exists"]
    assert rows.pop("svc9.q2")["messages_ready"] == 1
    assert {
        (row["exists"], row["messages_ready"], row["consumers"]) for name, row in rows.items() if name != "svc0.q0"
    } == {(True, 0, 0)}


def test_counting_queues_that_may_not_exist_stops_at_the_first_refusals(broker: Broker) -> None:
    """An empty vhost: one refused declare a channel (each is an error in RabbitMQ's log), not one a queue."""
    names = tuple(f"absent-{n}" for n in range(200))
    stopped = VhostSession(broker.settings).counts(names, stop_at_refusal=True)
    connections, channels = COUNTING_FAN_OUT
    assert 1 <= len(stopped) <= connections * channels and set(stopped.values()) == {None}
    assert VhostSession(broker.settings).counts(names[:20]) == dict.fromkeys(names[:20])  # without: every one asked


def test_unreachable_management_api_exits_3_with_the_fix(broker: Broker) -> None:
    """doctor reports it; plan, apply and inspect fall back to AMQP and say so (tests/test_probe_live.py)."""
    result = broker.cli("doctor", "--management-url", "http://127.0.0.1:1")
    assert result.returncode == 3
    assert "rabbitmq-plugins enable rabbitmq_management" in result.stderr and "guest:guest" not in result.stderr


def test_doctor_names_the_transport(broker: Broker) -> None:
    result = broker.cli("doctor")
    assert result.returncode == 0, result.stderr
    assert "Celery transport: kombu.transport.pyamqp" in result.stdout or "librabbitmq" in result.stdout
    assert "librabbitmq" in result.stdout and f"vhost '{broker.vhost}'" in result.stdout


def admin_api(broker: Broker, method: str, path: str, body: object = None) -> tuple[int, object]:
    """The management API as the test's own (administrator) user, outside the code under test."""
    endpoint = broker.settings.management
    request = urllib.request.Request(
        f"{endpoint.scheme}://{endpoint.host}:{endpoint.port}/api{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json", "Authorization": basic_auth(endpoint.username, endpoint.password)},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        data = response.read()
        return response.status, json.loads(data) if data else None


def basic_auth(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_doctor_shows_each_nodes_file_descriptor_limit(broker: Broker) -> None:
    _, nodes = admin_api(broker, "GET", "/nodes")
    assert isinstance(nodes, list) and nodes
    result = broker.cli("doctor")
    assert result.returncode == 0, result.stderr
    for node in nodes:
        assert f"node {node['name']}: {node['fd_total']} file descriptors" in result.stdout
    below = [n for n in nodes if n["fd_total"] < RECOMMENDED_FILE_DESCRIPTORS]
    assert ("ulimit -n" in result.stdout) == bool(below)


@contextmanager
def user_with_tags(broker: Broker, tags: str, rights: str = ".*") -> Iterator[tuple[Settings, list[str]]]:
    """A user of the test's vhost with only `tags`, and `rights` as its configure, write and read permissions
    there, deleted afterwards: its settings, and the CLI options that make a command run as it."""
    user, password = f"{broker.vhost}-{tags or 'untagged'}", "user-secret"
    admin_api(broker, "PUT", f"/users/{user}", {"password": password, "tags": tags})
    try:
        permissions = {"configure": rights, "write": rights, "read": rights}
        admin_api(broker, "PUT", f"/permissions/{broker.vhost}/{user}", permissions)
        settings = broker.settings
        as_user = Settings(
            replace(settings.broker, username=user, password=password),
            settings.vhost,
            replace(settings.management, username=user, password=password),
        )
        options = ["--broker", as_user.broker.url(secret=True), "--management-url", as_user.management.url(secret=True)]
        yield as_user, options
    finally:
        admin_api(broker, "DELETE", f"/users/{user}")


def test_doctor_says_when_the_user_may_not_see_node_limits(broker: Broker) -> None:
    """A user with only the management tag reads its vhosts but not the nodes: doctor says so, exit 0."""
    with user_with_tags(broker, "management") as (as_user, options):
        result = broker.cli("doctor", *options)
    assert result.returncode == 0, result.stderr
    user = as_user.management.username
    assert f"file descriptor limits not shown: user {user!r} lacks the monitoring tag" in result.stdout
    assert "user-secret" not in result.stdout + result.stderr


def test_a_user_without_the_administrator_tag_reads_the_vhost_from_its_listings(broker: Broker) -> None:
    """RabbitMQ lets only administrators read a vhost's definitions: for anyone else the same state comes
    from the exchange, queue, binding and policy listings, less what definitions leave out (amq.*, the
    default exchange's bindings, exclusive queues), and plan, apply and inspect work as for an admin."""
    file = broker.write(SEED + WITHOUT_NETS)  # the nets are policies, which only a policymaker may set
    with user_with_tags(broker, "management") as (as_user, options):
        applied = broker.cli("apply", *options, file=file)
        assert applied.returncode == 0, applied.stderr
        policy = {"pattern": "^for_", "definition": {"max-length": 9}}
        admin_api(broker, "PUT", f"/policies/{broker.vhost}/limit", policy)
        with broker.connection() as connection:
            connection.channel().queue_declare("", exclusive=True)  # one connection's own: never in definitions
            listed = ManagementClient(as_user.management).state(broker.vhost)
            defined = broker.state()  # the administrator's read: the vhost's definitions
            assert listed == defined
            for kind in ("exchanges", "queues"):  # what equality leaves out: x-arguments and our owner marker
                listed_objects, defined_objects = getattr(listed, kind), getattr(defined, kind)
                assert {n: (o.arguments, o.owner) for n, o in listed_objects.items()} == {
                    n: (o.arguments, o.owner) for n, o in defined_objects.items()
                }
            assert {(b, b.owner) for b in listed.bindings} == {(b, b.owner) for b in defined.bindings}
        assert set(listed.exchanges) == {"default", "for_task_A", "for_task_B"}
        assert set(listed.policies) == {"limit"}
        planned = broker.cli("plan", *options, file=file)
        inspected = broker.cli("inspect", *options, file=file)
    assert "user-secret" not in applied.stdout + planned.stdout + planned.stderr + inspected.stdout
    assert planned.returncode == 1, planned.stderr  # `apply` would change nothing, but the broker differs
    assert "unchanged      9" in planned.stdout and "extra          1  1 policy" in planned.stdout
    assert inspected.returncode == 1, inspected.stderr  # drift: the one policy not in the file
    drift = [line.split()[1] for line in inspected.stdout.splitlines() if line.startswith("error")]
    assert drift == ["extra_policy"]


def test_a_user_without_rights_on_the_vhost_plans_and_inspects_but_apply_says_what_to_grant(broker: Broker) -> None:
    """Reading needs no configure, write or read right (passive declares are not checked): CI can plan and
    inspect as a user with an empty permissions entry. apply is refused object by object, with the grant."""
    bare = SEED + WITHOUT_NETS  # the nets are policies, which only a policymaker may set
    assert broker.cli("apply", file=broker.write(bare)).returncode == 0
    extra_queue = "  for_task_C: {bindings: [{exchange: for_task_B, routing_key: for_task_C}]}\nroutes:"
    changed = broker.write(bare.replace("routes:", extra_queue, 1), "changed.yaml")
    with user_with_tags(broker, "management", rights="") as (as_user, options):
        inspected = broker.cli("inspect", *options, file=broker.write(bare))
        planned = broker.cli("plan", *options, file=changed)
        applied = broker.cli("apply", *options, file=changed)
    assert inspected.returncode == 0 and "in sync: 0 drift findings" in inspected.stdout, inspected.stderr
    assert planned.returncode == 1, planned.stderr
    # apply first takes the vhost's lock (an exclusive queue), which needs the configure right: refused, exit 3
    assert applied.returncode == 3 and applied.stdout == ""
    user = as_user.broker.username
    grant = f"`rabbitmqctl set_permissions -p {broker.vhost} {user} '.*' '.*' '.*'`"
    assert applied.stderr.startswith(f"cannot take the apply lock on vhost {broker.vhost!r}: ")
    assert applied.stderr.rstrip().endswith(f"apply needs configure, write and read permissions on the vhost ({grant})")
    assert "for_task_C" not in broker.state().queues


def test_a_user_without_the_management_tag_is_told_which_tag_to_add(broker: Broker) -> None:
    with user_with_tags(broker, "") as (as_user, options):
        result = broker.cli("plan", *options, file=broker.write(SEED))
    user = as_user.management.username
    assert result.returncode == 3
    assert f"user {user!r}, which lacks the 'management' tag: `rabbitmqctl set_user_tags {user} management`" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr and "user-secret" not in result.stderr

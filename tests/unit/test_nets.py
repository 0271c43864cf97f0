"""The nets: every exchange of the file gets an alternate exchange, every queue a dead-letter exchange, by
policy, merged into the file's own policies where those apply; validate warns where a queue still drops."""

from __future__ import annotations

import textwrap
from dataclasses import replace

from topology.celery_adapter.config import kombu_queues
from topology.language.loader import check_text
from topology.model import Kind, Ref, Topology
from topology.planning.observed import LivePolicy, LiveState
from topology.planning.plan import Action, plan
from topology.routing import Message, deliver

FILE = """\
exchanges:
  jobs: {type: direct}
  own_ae: {type: direct, alternate_exchange: jobs}
queues:
  work: {bindings: [{exchange: jobs, routing_key: work}]}
  limited: {bindings: [{exchange: jobs, routing_key: limited}]}
  own_dlx: {dead_letter_exchange: jobs, bindings: [{exchange: jobs, routing_key: own}]}
  log: {type: stream, bindings: [{exchange: jobs, routing_key: log}]}
default_queue: work
policies:
  limits: {queues: [limited], max_length: 100}
"""


def loaded(text: str) -> tuple[Topology, list[str]]:
    checked = check_text(textwrap.dedent(text), "r.yaml", environ={})
    return checked.topology, [str(w) for w in checked.warnings]


def test_the_nets_are_declared_and_wired_by_policy_leaving_objects_with_their_own_choice_alone() -> None:
    topology, warnings = loaded(FILE)
    assert warnings == []
    for net in ("topology.unroutable", "topology.dead-letters"):
        exchange, queue = topology.exchange(net), topology.queue(net)
        assert exchange is not None and exchange.type.value == "fanout" and exchange.durable
        assert queue is not None and queue.type.value == "classic" and [b.exchange for b in queue.bindings] == [net]
    policies = {p.name: p for p in topology.policies}
    assert policies["topology.unroutable"].apply_to == "exchanges"
    # own_ae keeps its own alternate exchange; the delay ladder's delivery exchange is netted too
    assert policies["topology.unroutable"].pattern == r"^(jobs|topology\.delay\.delivery)$"
    assert policies["topology.dead-letters"].pattern == "^(work)$"  # limited: by its policy; own_dlx; no stream
    assert dict(policies["limits"].definition) == {"max-length": 100, "dead-letter-exchange": "topology.dead-letters"}
    assert policies["limits"].net_keys == ("dead-letter-exchange",)
    # the nets' own objects are not covered: the dead-letter queue never dead-letters into itself
    assert topology.policy_for(Kind.QUEUE, "topology.dead-letters") is None


def test_the_route_proof_knows_the_unroutable_net() -> None:
    topology, _ = loaded(FILE)
    assert deliver(topology, "jobs", Message("nobody")).queues == ("topology.unroutable",)
    assert deliver(topology, "own_ae", Message("work")).queues == ("work",)  # its own alternate exchange, jobs
    opted_out, _ = loaded(FILE + "unroutable: false\n")
    assert deliver(opted_out, "jobs", Message("nobody")).queues == ()
    assert opted_out.exchange("topology.unroutable") is None


def test_plan_creates_the_nets_and_says_what_it_merged_into_a_policy_of_the_file() -> None:
    topology, _ = loaded(FILE)
    changes = {(c.kind, c.ref.name): c for c in plan(topology, LiveState("v", {}, {}, frozenset())).changes}
    for net in ("topology.unroutable", "topology.dead-letters"):
        for kind in (Kind.EXCHANGE, Kind.QUEUE, Kind.POLICY):
            assert changes[(kind, net)].action is Action.CREATE
    limits = changes[(Kind.POLICY, "limits")]
    assert limits.detail == (
        "dead-letter-exchange=topology.dead-letters merged in by the nets (one policy applies to an object): "
        "for all that '^(limited)$' matches"
    )
    assert changes[(Kind.POLICY, "topology.dead-letters")].detail == ""


def test_a_name_of_ones_own_and_the_nets_queues_are_never_consumed_by_a_worker() -> None:
    topology, _ = loaded(FILE + "unroutable: lost.tasks\ndead_letters: false\n")
    assert topology.nets.keeping == {"lost.tasks"}
    assert topology.queue("lost.tasks") is not None and topology.queue("topology.dead-letters") is None
    assert "lost.tasks" not in {q.name for q in kombu_queues(topology)}


def test_validate_warns_of_every_queue_that_can_still_drop_messages_without_dead_lettering() -> None:
    _, warnings = loaded(
        """\
        queues:
          ttl: {message_ttl: 10s}
          full: {max_length: 10}
          full_rejecting: {max_length: 10, overflow: reject-publish}
          quorum: {type: quorum}
          limited: {type: quorum, delivery_limit: 3}
          own_dlx: {message_ttl: 1s, dead_letter_exchange: ""}
          by_policy: {}
        policies:
          short: {queues: [by_policy], message_ttl: 1m}
        default_queue: ttl
        dead_letters: false
        """
    )
    fix = "set dead_letters (or remove `dead_letters: false`), or a dead_letter_exchange on the queue"
    assert [w for w in warnings if "drops messages" in w] == [
        f"r.yaml:2:3: warning: queue 'ttl' drops messages that expire (message_ttl), and does not dead-letter "
        f"them: {fix}",
        f"r.yaml:3:3: warning: queue 'full' drops messages at its head once full (max_length), and does not "
        f"dead-letter them: {fix}",
        f"r.yaml:5:3: warning: queue 'quorum' drops messages delivered 20 times (RabbitMQ 4's default delivery limit "
        f"for quorum queues), and does not dead-letter them: {fix}",
        f"r.yaml:6:3: warning: queue 'limited' drops messages delivered 3 times (delivery_limit), and does not "
        f"dead-letter them: {fix}",
        f"r.yaml:8:3: warning: queue 'by_policy' drops messages that expire (message_ttl), and does not dead-letter "
        f"them: {fix}",
    ]


def test_a_nets_managed_policy_too_long_for_rabbitmq_4_3_is_split_each_within_its_pattern_limit() -> None:
    from topology.language.loader import check_text
    from topology.language.nets import MAX_POLICY_PATTERN_BYTES
    from topology.model import DEAD_LETTER_NET, Kind

    queues = "".join(f"  queue-with-a-long-name-{i:04d}: {{}}\n" for i in range(300))
    topology = check_text(f"queues:\n{queues}default_queue: queue-with-a-long-name-0000\n").topology
    nets = [p for p in topology.policies if p.name.startswith(DEAD_LETTER_NET) and p.apply_to == "queues"]
    assert len(nets) > 1 and nets[0].name == DEAD_LETTER_NET and nets[1].name == f"{DEAD_LETTER_NET}.2"
    assert all(len(p.pattern.encode()) <= MAX_POLICY_PATTERN_BYTES for p in nets)
    for queue in topology.queues:
        if queue.name not in topology.nets.names:
            assert sum(p.applies_to(Kind.QUEUE, queue.name) for p in nets) == 1, queue.name


ORDERED = """\
exchanges:
  zebra: {type: direct}
  alpha: {type: direct}
  mid: {type: direct}
queues:
  q: {bindings: [{exchange: alpha, routing_key: q}]}
default_queue: q
delays: false  # the ladder's delivery exchange would be one more name: test_the_nets_are_declared...
"""


def test_a_nets_policy_names_its_objects_in_one_order_whatever_the_file_s() -> None:
    """`adopt` writes a vhost's objects by name: the plan of the adopted file must not call the net's policy,
    written by the original file's order, different."""
    forward, _ = loaded(ORDERED)
    backward, _ = loaded(
        ORDERED.replace("  zebra: {type: direct}\n", "").replace("queues:", "  zebra: {type: direct}\nqueues:")
    )
    assert [e.name for e in forward.exchanges][:3] != [e.name for e in backward.exchanges][:3]
    patterns = [{p.name: p.pattern for p in t.policies}["topology.unroutable"] for t in (forward, backward)]
    assert patterns == ["^(alpha|mid|zebra)$"] * 2


NET_POLICY = Ref(Kind.POLICY, "topology.unroutable")


def test_a_policy_listing_the_same_names_in_another_order_is_no_change() -> None:
    topology, _ = loaded(ORDERED)
    written = {p.name: p for p in topology.policies}
    live = {
        name: LivePolicy(name, policy.pattern, policy.apply_to, policy.priority, dict(policy.definition))
        for name, policy in written.items()
    }
    live["topology.unroutable"] = replace(live["topology.unroutable"], pattern="^(zebra|alpha|mid)$")
    changes = {c.ref: c for c in plan(topology, LiveState("v", {}, {}, frozenset(), live)).changes}
    assert changes[NET_POLICY].action is Action.UNCHANGED
    live["topology.unroutable"] = replace(live["topology.unroutable"], pattern="^(zebra|alpha)$")  # one name less
    changes = {c.ref: c for c in plan(topology, LiveState("v", {}, {}, frozenset(), live)).changes}
    assert changes[NET_POLICY].action is Action.UPDATE

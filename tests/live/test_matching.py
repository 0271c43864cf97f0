"""Routing predicted by the validator vs routing done by RabbitMQ, over many generated keys and bindings.

Each scenario declares generated topic, headers, exchange-to-exchange and alternate-exchange bindings
in a fresh vhost, publishes every generated message with `mandatory` and publisher confirms, drains
every queue, and compares where each message really landed with `routing.deliver`.
"""

from __future__ import annotations

import contextlib
import random
from typing import Any

import pika
import pika.exceptions
import pytest
import yaml

from tests.live.conftest import Broker
from topology.broker.session import VhostSession
from topology.commands.apply import apply_topology
from topology.language.loader import check_text
from topology.model import Topology
from topology.routing import Message, deliver

WORDS = ["a", "b", "c"]
HEADER_VALUES: list[Any] = [1, "1", True, "a", 2]


def _binding_key(rng: random.Random) -> str:
    """A concrete first word (so that some messages match nothing and reach the alternate exchange),
    then up to three words or wildcards."""
    return ".".join([rng.choice(WORDS), *(rng.choice([*WORDS, "*", "#"]) for _ in range(rng.randint(0, 3)))])


def _routing_key(rng: random.Random) -> str:
    """Zero to four words; some start with a word no binding has."""
    return ".".join(rng.choice([*WORDS, "z"]) for _ in range(rng.randint(0, 4)))


def _scenario(rng: random.Random) -> dict[str, Any]:
    """A topology: a topic exchange feeding queues and (by e2e) a headers exchange, with an alternate exchange."""
    queues: dict[str, Any] = {f"t{i}": {"bindings": []} for i in range(6)}
    for _ in range(14):
        queues[f"t{rng.randrange(6)}"]["bindings"].append({"exchange": "topics", "routing_key": _binding_key(rng)})
    for i in range(5):
        conditions = {k: rng.choice(HEADER_VALUES) for k in rng.sample(["k1", "k2", "k3"], rng.randint(1, 2))}
        queues[f"h{i}"] = {
            "bindings": [{"exchange": "by_headers", "match": rng.choice(["all", "any"]), "headers": conditions}]
        }
    queues["fallback"] = {"bindings": [{"exchange": "fallback"}]}
    exchanges = {
        "topics": {"type": "topic", "alternate_exchange": "fallback"},
        "fallback": {"type": "fanout"},
        "by_headers": {"type": "headers", "bindings": [{"exchange": "topics", "routing_key": _binding_key(rng)}]},
    }
    queues = {name: q for name, q in queues.items() if q["bindings"]}
    return {"exchanges": exchanges, "queues": queues, "default_queue": "fallback"}


def _messages(rng: random.Random, count: int) -> list[Message]:
    return [
        Message(
            _routing_key(rng),
            {k: rng.choice(HEADER_VALUES) for k in rng.sample(["k1", "k2", "k3"], rng.randint(0, 3))},
        )
        for _ in range(count)
    ]


def _published(broker: Broker, topology: Topology, messages: list[Message]) -> dict[int, set[str]]:
    """Publish each message (body = its index) and drain every queue: where did each one land?"""
    landed: dict[int, set[str]] = {i: set() for i in range(len(messages))}
    with broker.connection() as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        for i, message in enumerate(messages):
            properties = pika.BasicProperties(headers=dict(message.headers))
            with contextlib.suppress(pika.exceptions.UnroutableError):  # then it landed nowhere: compared below
                channel.basic_publish("topics", message.routing_key, str(i).encode(), properties, mandatory=True)
        for queue in topology.queues:
            while True:
                method, _, body = channel.basic_get(queue.name, auto_ack=True)
                if method is None:
                    break
                landed[int(body)].add(queue.name)
    return landed


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_rabbitmq_routes_every_message_where_the_validator_predicts(broker: Broker, seed: int) -> None:
    rng = random.Random(seed)
    text = yaml.safe_dump(_scenario(rng))
    topology = check_text(text, f"scenario-{seed}.yaml", environ={}).topology
    assert apply_topology(topology, VhostSession(broker.settings)).ok
    messages = _messages(rng, 150)
    landed = _published(broker, topology, messages)
    predicted = {i: set(deliver(topology, "topics", m).queues) for i, m in enumerate(messages)}
    wrong = [(messages[i], predicted[i], landed[i]) for i in predicted if predicted[i] != landed[i]]
    assert wrong == []
    reached = {q for queues in landed.values() for q in queues}
    assert len(reached) >= 4, f"scenario {seed} too weak: only {reached} were ever reached"
    assert any(len(q) > 1 for q in landed.values()) and any(q == {"fallback"} for q in landed.values())


EDGE_PATTERNS = ["*", "#", "#.#", "*.#", "a.#.b", "#.b", "a.*", ""]
EDGE_KEYS = ["", "a", "b", "a.b", "a..b", "a.x.y.b", ".", "a."]


def test_topic_edge_cases_empty_keys_and_empty_words_match_as_rabbitmq_does(broker: Broker) -> None:
    queues = {f"p{i}": {"bindings": [{"exchange": "topics", "routing_key": p}]} for i, p in enumerate(EDGE_PATTERNS)}
    text = yaml.safe_dump({"exchanges": {"topics": {"type": "topic"}}, "queues": queues, "default_queue": "p0"})
    topology = check_text(text, "edges.yaml", environ={}).topology
    assert apply_topology(topology, VhostSession(broker.settings)).ok
    messages = [Message(key) for key in EDGE_KEYS]
    landed = _published(broker, topology, messages)
    predicted = {i: set(deliver(topology, "topics", m).queues) for i, m in enumerate(messages)}
    assert predicted == landed
    assert landed[0] == {"p1", "p2", "p7"}  # '' is no words: '#' matches it, '*' does not, '' binds it exactly

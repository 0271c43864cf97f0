"""Matching against references: topic keys against the plain recursive definition, task routes against
Celery's own ``MapRoute`` fed the ``task_routes`` this project generates."""

from __future__ import annotations

import re

import pytest
from celery.app.routes import MapRoute
from hypothesis import given, settings
from hypothesis import strategies as st

from topology.celery_adapter.config import task_routes
from topology.model import Binding, Exchange, ExchangeType, Queue, Route, Topology
from topology.routing import route_for, topic_matches


def reference_topic_match(pattern: str, key: str) -> bool:
    """RabbitMQ's topic rule written as its definition: '*' one word, '#' any number of words."""

    def match(p: list[str], k: list[str]) -> bool:
        if not p:
            return not k
        if p[0] == "#":
            return any(match(p[1:], k[i:]) for i in range(len(k) + 1))
        return bool(k) and p[0] in ("*", k[0]) and match(p[1:], k[1:])

    return match(pattern.split(".") if pattern else [], key.split(".") if key else [])


topic_words = st.lists(st.sampled_from(["a", "b", "", "*", "#"]), max_size=6)
key_words = st.lists(st.sampled_from(["a", "b", ""]), max_size=7)


@settings(max_examples=600, deadline=None)
@given(topic_words, key_words)
def test_topic_matching_equals_the_definition(pattern: list[str], key: list[str]) -> None:
    assert topic_matches(".".join(pattern), ".".join(key)) is reference_topic_match(".".join(pattern), ".".join(key))


def test_many_hashes_against_a_long_key_are_decided_at_once() -> None:
    """Eight '#' against thirty words used to try every split of the key (hours); now one pass."""
    assert not topic_matches(".".join(["#"] * 8 + ["z"]), ".".join(["a"] * 30))
    assert topic_matches(".".join(["#", "a"] * 8), ".".join(["a"] * 30))


# Pieces of patterns: globbing characters, classes (closed, negated, unclosed), dots, literal text.
glob_pieces = st.sampled_from(["a", "b", ".", "*", "?", "[ab]", "[!a]", "[", "]", "-", "[a-b]", "x.", "\\"])
regex_pieces = st.sampled_from(["a", "b", r"\.", ".", ".*", "^", "$", "(a|b)", "[ab]", "b?", "a+"])
patterns = st.one_of(
    st.lists(glob_pieces, max_size=6).map("".join),
    st.lists(regex_pieces, min_size=1, max_size=4).map(lambda parts: "/" + "".join(parts) + "/"),
)
names = st.lists(st.sampled_from(["a", "b", ".", "x", "[", "]", "?", "*", "-", "\n"]), max_size=6).map("".join)


def topology_of(patterns: list[str]) -> Topology:
    """Route i goes to queue q<i>, published through exchange e with key q<i>."""
    queues = tuple(Queue(f"q{i}", bindings=(Binding("e", f"q{i}"),)) for i in range(len(patterns)))
    default = Queue("default", bindings=(Binding("e", "default"),))
    routes = tuple(Route(pattern, queue=f"q{i}") for i, pattern in enumerate(patterns))
    return Topology((Exchange("e", ExchangeType.DIRECT),), (*queues, default), "default", routes)


def compiles(pattern: str) -> bool:
    try:
        Route(pattern).regex  # noqa: B018 - compiled here, for the error
    except re.error:
        return False
    return True


@settings(max_examples=1500, deadline=None)
@given(st.lists(patterns, max_size=6, unique=True).filter(lambda ps: all(compiles(p) for p in ps)), st.lists(names))
def test_the_predicted_route_is_celerys(patterns: list[str], task_names: list[str]) -> None:
    topology = topology_of(patterns)
    celery = MapRoute(task_routes(topology))
    for name in [*task_names, *(p for p in patterns if "*" not in p)]:
        route = route_for(topology, name)
        expected = route.queue if route is not None else None  # no route: task_default_queue, not task_routes
        assert (celery(name) or {}).get("queue") == expected, (patterns, name)


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("tasks.a*b", "tasks.axbc", False),  # anchored at the end
        ("tasks.a*b", "tasks.axb", True),
        ("tasks.?*", "tasks.x", True),  # '?' is one character
        ("tasks.?*", "tasks.", False),
        ("tasks.[ab]*", "tasks.b1", True),  # a class
        ("tasks.[!ab]*", "tasks.b1", False),
        ("tasks.[ab]*", "tasks.[ab]", False),
        ("tasks.a?", "tasks.ab", False),  # no '*': an exact name, '?' and all
        ("tasks.a?", "tasks.a?", True),
        ("/tasks\\.a/", "tasks.ab", True),  # a regex is anchored at the start only
        ("/a/", "xa", False),
    ],
)
def test_globs_are_fnmatch_patterns_as_in_celery(pattern: str, name: str, matches: bool) -> None:
    assert Route(pattern).matches(name) is matches
    assert ((MapRoute(task_routes(topology_of([pattern])))(name) or {}).get("queue") == "q0") is matches


def test_routes_that_compile_alike_are_one_celery_entry() -> None:
    """`tasks.*` and `tasks.**` are the same regex to Celery: the first one's place, the last one's queue."""
    topology = topology_of(["tasks.*", "tasks.x*", "tasks.**"])
    assert route_for(topology, "tasks.x1") == topology.routes[2]
    assert MapRoute(task_routes(topology))("tasks.x1")["queue"] == "q2"


def test_a_route_that_matches_every_name_is_kept() -> None:
    """The generated task_routes end with no catch-all of their own (task_default_queue does that job)."""
    topology = topology_of(["**"])
    assert MapRoute(task_routes(topology))("anything")["queue"] == route_for(topology, "anything").queue  # type: ignore[union-attr]

"""Property-based: whatever the file holds, loading it gives a topology or a clean InvalidTopology, never a crash.

Three generators: random YAML documents built from routing.yaml's own vocabulary, random edits of the text
of the shipped files, and random replacements of one value deep inside them.
"""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from topology.errors import InvalidTopology
from topology.language.loader import check_text
from topology.model import Problem

SHIPPED = [(ROOT / "routing.yaml").read_text(), (ROOT / "examples" / "full.yaml").read_text()]
WORDS = [
    "exchanges", "queues", "routes", "schedule", "default_queue", "app", "type", "durable", "auto_delete",
    "internal", "alternate_exchange", "delayed_type", "arguments", "bindings", "exchange", "routing_key",
    "match", "headers", "queue", "priority", "task", "every", "cron", "args", "kwargs", "options",
    "message_ttl", "expires", "max_length", "max_length_bytes", "overflow", "dead_letter_exchange",
    "dead_letter_routing_key", "max_priority", "delivery_limit", "max_age", "quorum", "stream", "classic",
    "direct", "topic", "fanout", "x-consistent-hash", "x-delayed-message", "q", "e", "tasks.*", "/t.(/",
    "${X}", "${X:-1}", "30s", "10MB", "0 3 * * *", "#", "*.a", "amq.x", "", "all", "any",
]  # fmt: skip
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=12),
    st.integers(-5, 300),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=40,
)


def loads_cleanly(text: str) -> None:
    """The only allowed outcomes: a topology, or InvalidTopology whose problems all have a place."""
    try:
        check_text(text, "routing.yaml", environ={})
    except InvalidTopology as error:
        assert error.problems
        assert all(isinstance(p, Problem) and p.origin is not None and p.message for p in error.problems)


@SETTINGS
@given(st.dictionaries(st.sampled_from(WORDS[:6]), documents, max_size=6))
def test_random_documents_load_or_fail_cleanly(data: dict[str, Any]) -> None:
    loads_cleanly(yaml.safe_dump(data, allow_unicode=True))


@SETTINGS
@given(st.sampled_from(SHIPPED), st.data())
def test_random_edits_of_valid_files_load_or_fail_cleanly(text: str, data: st.DataObject) -> None:
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        edit = data.draw(st.sampled_from(["delete", "insert", "duplicate_line"]))
        if edit == "delete":
            text = text[:at] + text[at + data.draw(st.integers(1, 8)) :]
        elif edit == "insert":
            text = (
                text[:at]
                + data.draw(st.sampled_from([*WORDS, ":", "-", "{", "}", "[", "\n", "  ", "&a", "*a"]))
                + text[at:]
            )
        else:
            lines = text.splitlines(keepends=True)
            line = data.draw(st.integers(0, len(lines) - 1))
            text = "".join(lines[: line + 1] + lines[line:])
    loads_cleanly(text)


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    children = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    return [path, *(p for key, value in children for p in _paths(value, (*path, key)))]


@SETTINGS
@given(st.sampled_from(SHIPPED), st.data())
def test_one_value_replaced_anywhere_loads_or_fails_cleanly(text: str, data: st.DataObject) -> None:
    document = yaml.safe_load(text)
    path = data.draw(st.sampled_from(_paths(document)[1:]))
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = data.draw(documents)
    loads_cleanly(yaml.safe_dump(document, allow_unicode=True))

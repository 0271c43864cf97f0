"""What every test shares: the project root, the seed's file, and a check cache of each test's own."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from topology.model import DEFAULT_OWNER, OWNER_ARGUMENT

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "routing.yaml").read_text()
OWNED = {OWNER_ARGUMENT: DEFAULT_OWNER}
"""The marker `apply` puts on what it creates: a binding is removed by unbinding with its arguments."""
WITHOUT_NETS = "unroutable: false\ndead_letters: false\ndelays: false\n"
"""Opts a file out of the nets and the delay ladder, for tests of other things that count objects or lack the
rights policies need."""
LADDER_OBJECTS = 24 + 23 + 23
"""The default delay ladder: 23 levels (an exchange, a queue, a binding each) and the delivery exchange (the
bindings from it into each of the file's exchanges and queues are one more each)."""
LADDER = "topology.delay."

ENVELOPE_SCHEMA = ROOT / "topology" / "cli" / "envelope.schema.json"


@cache
def _envelope_validator() -> Draft202012Validator:
    schema = json.loads(ENVELOPE_SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def envelope(text: str) -> dict[str, Any]:
    """A command's --format json output, parsed and validated against the published envelope schema."""
    data: dict[str, Any] = json.loads(text)
    _envelope_validator().validate(data)
    return data


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checked files are cached per test, never in the user's ~/.cache."""
    monkeypatch.setenv("TOPOLOGY_CACHE_DIR", str(tmp_path / "cache"))


OPT_IN = {
    "fuzz": "also run the fuzz tests (marked fuzz; minutes)",
    "cluster": "also run the tests on a private 3-node cluster (marked cluster; minutes to boot)",
}
"""Markers whose tests are left out unless their option (`--fuzz`, `--cluster`) is given, whatever -m says."""


def pytest_addoption(parser: pytest.Parser) -> None:
    for marker, help_text in OPT_IN.items():
        parser.addoption(f"--{marker}", action="store_true", help=help_text)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Fuzz tests (scripts/test --fuzz) and cluster tests are left out unless asked for."""
    for marker in OPT_IN:
        if config.getoption(f"--{marker}"):
            continue
        left_out = [item for item in items if item.get_closest_marker(marker) is not None]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = [item for item in items if item.get_closest_marker(marker) is None]

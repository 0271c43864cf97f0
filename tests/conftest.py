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
WITHOUT_NETS = "unroutable: false\ndead_letters: false\n"
"""Opts a file out of the nets, for tests of other things that count objects or lack the rights policies need."""

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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--fuzz", action="store_true", help="also run the fuzz tests (marked fuzz; minutes)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Fuzz tests are left out unless --fuzz is given (scripts/test --fuzz), whatever -m says."""
    if config.getoption("--fuzz"):
        return
    fuzz = [item for item in items if item.get_closest_marker("fuzz") is not None]
    if fuzz:
        config.hook.pytest_deselected(items=fuzz)
        items[:] = [item for item in items if item.get_closest_marker("fuzz") is None]

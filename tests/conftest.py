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
    parser.addoption(
        "--matrix-leg",
        metavar="SERIES",
        help="this run is scripts/matrix's leg of RabbitMQ SERIES: leave out what does not depend on the suite's "
        "broker (tests marked private_node, and other series' broker rules), which the run on the machine's broker has",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Fuzz tests (scripts/test --fuzz) and cluster tests are left out unless asked for."""
    for marker in OPT_IN:
        if config.getoption(f"--{marker}"):
            continue
        left_out = [item for item in items if item.get_closest_marker(marker) is not None]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = [item for item in items if item.get_closest_marker(marker) is None]
    leg = config.getoption("--matrix-leg")
    if leg:
        left_out = [item for item in items if not _of_the_leg(item, leg)]
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if _of_the_leg(item, leg)]


def _of_the_leg(item: pytest.Item, series: str) -> bool:
    """Whether a matrix leg of `series` runs `item`: not when it starts private nodes of its own (the same
    whatever the suite's broker), needs a broker of other series (`broker_series`), or checks another series'
    rules (`series_settings`' parameter)."""
    if item.get_closest_marker("private_node") is not None:
        return False
    only = item.get_closest_marker("broker_series")
    if only is not None and series not in only.args:
        return False
    params = getattr(item, "callspec", None)
    return params is None or params.params.get("series_settings", series) == series

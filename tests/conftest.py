"""What every test shares: the project root, the seed's file, and a check cache of each test's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from topology.model import DEFAULT_OWNER, OWNER_ARGUMENT

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "routing.yaml").read_text()
OWNED = {OWNER_ARGUMENT: DEFAULT_OWNER}
"""The marker `apply` puts on what it creates: a binding is removed by unbinding with its arguments."""
WITHOUT_NETS = "unroutable: false\ndead_letters: false\n"
"""Opts a file out of the nets, for tests of other things that count objects or lack the rights policies need."""


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checked files are cached per test, never in the user's ~/.cache."""
    monkeypatch.setenv("TOPOLOGY_CACHE_DIR", str(tmp_path / "cache"))

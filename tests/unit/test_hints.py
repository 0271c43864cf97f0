"""Fix texts: each names the command that fixes what it is about."""

from __future__ import annotations

import pytest

from topology import hints
from topology.hints import RECOMMENDED_FILE_DESCRIPTORS

RECOMMENDED = RECOMMENDED_FILE_DESCRIPTORS


@pytest.mark.parametrize(("limit", "fix_shown"), [(1024, True), (RECOMMENDED - 1, True), (RECOMMENDED, False)])
def test_node_advice_names_the_fix_only_below_the_recommended_limit(limit: int, fix_shown: bool) -> None:
    advice = hints.file_limit("rabbit@a", limit)
    assert advice.startswith(f"node rabbit@a: {limit} file descriptors")
    assert ("ulimit -n" in advice and "LimitNOFILE" in advice) == fix_shown

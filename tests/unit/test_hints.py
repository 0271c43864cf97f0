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


@pytest.mark.parametrize(
    ("reason", "fix"),
    [
        (
            "ChannelError: Basic.publish: (404) NOT_FOUND - no exchange 'mail' in vhost '/'",
            "exchange 'mail' does not exist on the broker: run `python -m topology apply`",
        ),
        (
            "NotFound: Basic.consume: (404) NOT_FOUND - no queue 'it's' in vhost 'v'",
            'queue "it\'s" does not exist on the broker: run `python -m topology apply`',
        ),
        ("ConnectionRefusedError: [Errno 111] Connection refused", None),
    ],
)
def test_a_missing_exchange_or_queue_is_named_with_apply(reason: str, fix: str | None) -> None:
    found = hints.not_found(reason)
    assert (found[: len(fix)] if found and fix else found) == fix

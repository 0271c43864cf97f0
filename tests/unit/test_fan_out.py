"""How many connections and channels an apply uses: as many as its largest phase can keep busy."""

from __future__ import annotations

import pytest

from topology.broker.pipeline import CHANNELS_PER_CONNECTION, MAX_CHANNELS, OPERATIONS_PER_CHANNEL, fan_out_for


@pytest.mark.parametrize(
    ("operations", "expected"),
    [
        (0, (1, 1)),
        (1, (1, 1)),
        (OPERATIONS_PER_CHANNEL, (1, 1)),
        (OPERATIONS_PER_CHANNEL + 1, (1, 2)),
        (16 * OPERATIONS_PER_CHANNEL, (1, 16)),
        (16 * OPERATIONS_PER_CHANNEL + 1, (2, 9)),  # 17 channels, on 2 connections
        (6000, (MAX_CHANNELS // CHANNELS_PER_CONNECTION, CHANNELS_PER_CONNECTION)),
        (10**6, (MAX_CHANNELS // CHANNELS_PER_CONNECTION, CHANNELS_PER_CONNECTION)),
    ],
)
def test_a_phase_gets_a_channel_per_few_operations_up_to_the_maximum(
    operations: int, expected: tuple[int, int]
) -> None:
    connections, channels = fan_out_for(operations)
    assert (connections, channels) == expected
    assert channels <= CHANNELS_PER_CONNECTION and connections * channels <= MAX_CHANNELS

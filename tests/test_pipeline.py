"""How many connections and channels an apply uses: as many as its largest phase can keep busy, no more
than the broker lets a connection open."""

from __future__ import annotations

import pika.connection
import pytest

from tests.conftest import Broker
from tests.test_plan_live import apply_text, plan_text
from topology.pipeline import CHANNELS_PER_CONNECTION, MAX_CHANNELS, OPERATIONS_PER_CHANNEL, fan_out_for
from topology.synthetic import synthetic_yaml


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


def test_apply_opens_no_more_channels_than_the_broker_allows_a_connection(
    broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The client's channel_max is negotiated with the broker's (the lower wins), as with a broker configured
    # with `channel_max = 3`: 300 objects want 12 channels on one connection; pika cannot number a fourth.
    monkeypatch.setattr(pika.connection.Parameters, "DEFAULT_CHANNEL_MAX", 3)
    text = synthetic_yaml(300)
    report = apply_text(broker, text)
    assert report.ok and len(report.steps) == 300
    assert plan_text(broker, text).pending == ()

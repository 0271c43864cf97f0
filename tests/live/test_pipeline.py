"""How many connections and channels an apply uses: as many as its largest phase can keep busy, no more
than the broker lets a connection open; and how replies to pipelined operations find their operation."""

from __future__ import annotations

import pika.connection
import pytest

from tests.conftest import WITHOUT_NETS
from tests.live.conftest import Broker
from tests.live.test_plan import apply_text, plan_text
from topology.broker.pipeline import (
    BATCH,
    run,
)
from topology.model import Kind, Ref
from topology.planning.operations import Operation, passive
from topology.testing.synthetic import synthetic_yaml

EXCHANGE = Ref(Kind.EXCHANGE, "x")
BIND = Ref.binding("absent", Ref(Kind.QUEUE, "bind"), "")


def test_apply_opens_no_more_channels_than_the_broker_allows_a_connection(
    broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The client's channel_max is negotiated with the broker's (the lower wins), as with a broker configured
    # with `channel_max = 3`: 300 objects want 12 channels on one connection; pika cannot number a fourth.
    monkeypatch.setattr(pika.connection.Parameters, "DEFAULT_CHANNEL_MAX", 3)
    text = synthetic_yaml(300) + WITHOUT_NETS
    report = apply_text(broker, text)
    assert report.ok and len(report.steps) == 300
    assert plan_text(broker, text).pending == ()


@pytest.mark.parametrize("refused_at", [None, BATCH + 7], ids=["all-answered", "a-bind-refused-mid-batch"])
def test_pipelined_replies_go_to_their_own_operation_across_batches_and_beside_nowait_ones(
    broker: Broker, refused_at: int | None
) -> None:
    """Passive declares are sent without waiting for the previous reply; each queue must still get its own
    count, with nowait declares between them (no reply) and after a refusal has the batch replayed."""
    names = [f"counted-{n}" for n in range(BATCH + 50)]  # more than a batch, on one channel
    with broker.connection() as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        for number, name in enumerate(names):
            channel.queue_declare(name)
            for _ in range(number % 7):  # neighbours differ: a reply matched one off would show
                channel.basic_publish("", name, b"{}")
    operations = []
    for number, name in enumerate(names):
        operations.append(passive(Ref(Kind.QUEUE, name)))
        declare = {"exchange": f"x-{number}", "exchange_type": "direct"}
        operations.append(Operation("exchange_declare", declare, EXCHANGE))
    if refused_at is not None:  # no such exchange: the broker closes the channel (404)
        operations.insert(refused_at, Operation("queue_bind", {"queue": names[0], "exchange": "absent"}, BIND))

    outcomes = run(broker.settings, [operations], fan_out=(1, 1))

    counts = {o.operation.ref.name: o.reply.message_count for o in outcomes if o.reply is not None}
    assert counts == {name: number % 7 for number, name in enumerate(names)}
    refusals = [(o.operation.ref, o.refusal.code) for o in outcomes if o.refusal is not None]
    assert refusals == ([] if refused_at is None else [(BIND, 404)])
    assert len(broker.state().exchanges) == len(names)  # every nowait declare was made, replayed or not

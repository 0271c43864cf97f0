"""Confirms: acks (single and multiple), nacks, returns and a lost channel, released in publish order."""

from __future__ import annotations

from topology.celery_adapter.confirms import Confirms, NotAccepted


def published(count: int) -> Confirms:
    confirms = Confirms()
    for index in range(count):
        confirms.published(index, f"t{index}")
    return confirms


def test_a_multiple_ack_confirms_every_tag_up_to_it() -> None:
    confirms = published(5)
    confirms.acked(3, multiple=True)
    assert list(confirms.confirmed()) == ["t0", "t1", "t2"] and confirms.unconfirmed == 2
    confirms.acked(5, multiple=True)
    assert list(confirms.confirmed()) == ["t3", "t4"] and confirms.unconfirmed == 0


def test_an_ack_out_of_order_waits_for_the_ones_before_it() -> None:
    confirms = published(3)
    confirms.acked(2, multiple=False)
    assert list(confirms.confirmed()) == []
    confirms.acked(1, multiple=False)
    assert list(confirms.confirmed()) == ["t0", "t1"] and confirms.unconfirmed == 1


def test_nacks_and_returns_are_not_accepted_the_rest_confirmed() -> None:
    confirms = published(6)
    confirms.returned("t1", "returned unroutable")
    confirms.acked(2, multiple=True)  # the broker acks a returned message: it is handled, not queued
    confirms.nacked(4, multiple=True)
    confirms.acked(6, multiple=True)
    assert list(confirms.confirmed()) == ["t0", "t4", "t5"]
    assert confirms.not_accepted == [
        NotAccepted(1, "t1", "returned unroutable"),
        NotAccepted(2, "t2", "nacked by the broker"),
        NotAccepted(3, "t3", "nacked by the broker"),
    ]


def test_lost_refuses_only_what_had_no_answer() -> None:
    confirms = published(4)
    confirms.acked(3, multiple=False)
    confirms.acked(1, multiple=False)
    confirms.lost("connection lost")
    assert list(confirms.confirmed()) == ["t0", "t2"]
    assert [(n.index, n.reason) for n in confirms.not_accepted] == [(1, "connection lost"), (3, "connection lost")]
    assert confirms.unconfirmed == 0

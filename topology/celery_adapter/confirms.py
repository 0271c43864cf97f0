"""Publisher confirms of one channel, pipelined: which task each delivery tag is, and what became of it.

RabbitMQ numbers the publishes of a confirm-mode channel 1, 2, 3... and answers each with basic.ack or
basic.nack, often for many at once (`multiple`: every tag up to this one). An unroutable message
published mandatory comes back as basic.return *before* its ack, so a returned task is remembered and
its ack counts as a refusal. Outcomes are released in publish order (an out-of-order single ack waits
for the tags before it), so that the confirmed ids come out in the order of the caller's items; what is
held is bounded by the number of unconfirmed publishes, which the sender bounds with its window.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class NotAccepted:
    """A task the broker did not take: resend it (item `index` of the batch, counted from 0)."""

    index: int
    task_id: str
    reason: str


@dataclass(slots=True)
class _Pending:
    index: int
    task_id: str
    outcome: str | None = None  # "" once acked; a reason once refused


ACCEPTED = ""


class Confirms:
    def __init__(self) -> None:
        self._pending: OrderedDict[int, _Pending] = OrderedDict()
        self._returned: dict[str, str] = {}
        self._next_tag = 1
        self._confirmed: deque[str] = deque()
        self.not_accepted: list[NotAccepted] = []

    @property
    def unconfirmed(self) -> int:
        return len(self._pending)

    def published(self, index: int, task_id: str) -> None:
        self._pending[self._next_tag] = _Pending(index, task_id)
        self._next_tag += 1

    def returned(self, task_id: str, reason: str) -> None:
        self._returned[task_id] = reason

    def acked(self, tag: int, multiple: bool) -> None:
        self._settle(tag, multiple, ACCEPTED)

    def nacked(self, tag: int, multiple: bool) -> None:
        self._settle(tag, multiple, "nacked by the broker")

    def lost(self, reason: str) -> None:
        """Every publish still unconfirmed: the channel or connection is gone, so no answer will come."""
        for pending in self._pending.values():
            if pending.outcome is None:
                pending.outcome = reason
        self._release()

    def confirmed(self) -> Iterator[str]:
        """The ids confirmed since the last call, in publish order."""
        while self._confirmed:
            yield self._confirmed.popleft()

    def _settle(self, tag: int, multiple: bool, outcome: str) -> None:
        if multiple:
            for pending_tag, pending in self._pending.items():
                if pending_tag > tag:
                    break
                if pending.outcome is None:
                    pending.outcome = outcome
        elif tag in self._pending:
            self._pending[tag].outcome = outcome
        self._release()

    def _release(self) -> None:
        while self._pending:
            pending = next(iter(self._pending.values()))
            if pending.outcome is None:
                return
            self._pending.popitem(last=False)
            reason = self._returned.pop(pending.task_id, None) or pending.outcome
            if reason == ACCEPTED:
                self._confirmed.append(pending.task_id)
            else:
                self.not_accepted.append(NotAccepted(pending.index, pending.task_id, reason))

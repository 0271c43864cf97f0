"""PublishEncoder writes exactly the bytes py-amqp's own frame writer writes, message after message."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from amqp import spec  # type: ignore[import-untyped]
from amqp.basic_message import Message  # type: ignore[import-untyped]
from amqp.method_framing import frame_writer  # type: ignore[import-untyped]
from amqp.serialization import dumps  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st

from topology.celery_adapter.frames import PublishEncoder

FRAME_MAX = 4096  # small, so that bodies split into several frames


class Capture:
    """A transport and connection as the frame writer uses them: it only writes."""

    frame_max = FRAME_MAX
    bytes_sent = 0

    def __init__(self) -> None:
        self.written = bytearray()

    def write(self, data: bytes) -> None:
        self.written += data


def py_amqp(exchange: str, routing_key: str, properties: dict[str, Any], body: bytes, channel: int = 7) -> bytes:
    capture = Capture()
    write = frame_writer(capture, capture)
    arguments = dumps("Bssbb", (0, exchange, routing_key, True, False))
    write(1, channel, spec.Basic.Publish, arguments, Message(body, **properties))
    return bytes(capture.written)


atoms = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False), st.text(max_size=20)
)
values = st.recursive(atoms, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner))
headers = st.dictionaries(st.text(min_size=1, max_size=10), values, max_size=8)
properties = st.fixed_dictionaries(
    {"content_type": st.just("application/json"), "application_headers": headers},
    optional={
        "content_encoding": st.just("utf-8"),
        "delivery_mode": st.sampled_from([1, 2]),
        "priority": st.integers(0, 255),
        "correlation_id": st.text(max_size=36),
        "reply_to": st.text(max_size=36),
        "expiration": st.just("60000"),
    },
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(properties, st.binary(max_size=3 * FRAME_MAX)), min_size=1, max_size=4))
def test_the_same_bytes_as_py_amqp_for_any_messages_in_a_row(messages: list[tuple[dict[str, Any], bytes]]) -> None:
    encoder = PublishEncoder(7, FRAME_MAX)
    for props, body in messages:
        assert encoder.encode("ex", "key", props, body, mandatory=True) == py_amqp("ex", "key", props, body)


def test_a_template_copy_reuses_bytes_and_still_encodes_what_changed() -> None:
    timelimit: list[int | None] = [None, None]
    template: dict[str, Any] = {
        "id": "a" * 36,
        "timelimit": timelimit,
        "stamps": {},
        "retries": 0,
        "when": Decimal("1.5"),
    }
    encoder = PublishEncoder(7, FRAME_MAX)
    for task_id in ("b" * 36, "c" * 36):
        headers = {**template, "id": task_id}
        props = {"content_type": "application/json", "application_headers": headers, "correlation_id": task_id}
        assert encoder.encode("", "q", props, b"[]", mandatory=True) == py_amqp("", "q", props, b"[]")
    timelimit.append(1)  # a list changed in place is encoded again
    props = {"content_type": "application/json", "application_headers": template}
    assert encoder.encode("", "q", props, b"", mandatory=True) == py_amqp("", "q", props, b"")


def test_dates_and_decimals_as_py_amqp_writes_them() -> None:
    props = {"application_headers": {"at": datetime(2024, 1, 2, tzinfo=timezone.utc), "d": Decimal("-2.25")}}
    assert PublishEncoder(3, FRAME_MAX).encode("e", "", props, b"x", mandatory=True) == py_amqp("e", "", props, b"x", 3)

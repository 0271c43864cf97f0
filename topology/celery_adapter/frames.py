"""Basic.Publish frames byte for byte as py-amqp writes them, with unchanged property values encoded once.

A bulk send publishes the same task many times; between two messages only the ids, the argument reprs
and the body change. py-amqp encodes every property and all ~20 Celery headers afresh for each message
(pure Python, the largest cost of a publish after Celery's own message building). Here each property
and each header item is encoded by py-amqp's own `amqp.serialization.dumps` and kept with the value it
encodes; the next message reuses the bytes when its value is the same immutable object (a list or a
table could have changed in place, so those are encoded each time), which a message copied from a
template mostly is. The AMQP encoding is a plain concatenation of fields (and a table of its
items), so the joined pieces are the bytes py-amqp would write: tests/unit/test_frames.py compares them
with py-amqp's own frame writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from struct import pack
from typing import Any

from amqp import spec  # type: ignore[import-untyped]  # py-amqp has no type hints
from amqp.basic_message import Message  # type: ignore[import-untyped]
from amqp.serialization import dumps  # type: ignore[import-untyped]

METHOD_FRAME, HEADER_FRAME, BODY_FRAME = 1, 2, 3
FRAME_END = b"\xce"
FRAME_OVERHEAD = 8  # type (1), channel (2), size (4) and the end octet
PUBLISH_ARGUMENTS = "Bssbb"  # reserved short, exchange, routing key, mandatory and immediate bits
PROPERTIES: list[tuple[str, str]] = Message.PROPERTIES  # (name, AMQP type) in wire order
IMMUTABLE = (str, bytes, int, float, bool, type(None))


def _same(cached: tuple[Any, bytes], value: Any) -> bool:
    return cached[0] is value and type(value) in IMMUTABLE


class PublishEncoder:
    """The frames of one Basic.Publish on one channel: method, content header, body in frame_max pieces."""

    def __init__(self, channel_id: int, frame_max: int) -> None:
        self.channel_id = channel_id
        self.chunk = frame_max - FRAME_OVERHEAD
        self._methods: dict[tuple[str, str, bool], bytes] = {}
        self._properties: dict[str, tuple[Any, bytes]] = {}
        self._headers: dict[str, tuple[Any, bytes]] = {}

    def encode(
        self, exchange: str, routing_key: str, properties: Mapping[str, Any], body: bytes, mandatory: bool
    ) -> bytes:
        method = self._methods.get((exchange, routing_key, mandatory))
        if method is None:
            arguments = dumps(PUBLISH_ARGUMENTS, (0, exchange, routing_key, mandatory, False))
            method = self._frame(METHOD_FRAME, pack(">HH", *spec.Basic.Publish) + arguments)
            self._methods[exchange, routing_key, mandatory] = method
        header = self._frame(
            HEADER_FRAME, pack(">HHQ", spec.Basic.CLASS_ID, 0, len(body)) + self.properties(properties)
        )
        frames = [method, header]
        for start in range(0, len(body), self.chunk):
            frames.append(self._frame(BODY_FRAME, body[start : start + self.chunk]))
        return b"".join(frames)

    def properties(self, properties: Mapping[str, Any]) -> bytes:
        """The property flags and list (`GenericContent._serialize_properties`): absent or None is left out."""
        flags, fields, shift = 0, [], 15
        for name, kind in PROPERTIES:
            value = properties.get(name)
            if value is None:
                shift -= 1
                continue
            flags |= 1 << shift
            shift -= 1
            if name == "application_headers":
                fields.append(self.table(value))
                continue
            cached = self._properties.get(name)
            if cached is None or not _same(cached, value):
                cached = self._properties[name] = (value, dumps(kind, [value]))
            fields.append(cached[1])
        return pack(">H", flags) + b"".join(fields)

    def table(self, headers: Mapping[str, Any]) -> bytes:
        """A field table: its length, then each item as `_write_table` writes it (key, type octet, value)."""
        items = []
        for key, value in headers.items():
            cached = self._headers.get(key)
            if cached is None or not _same(cached, value):
                cached = self._headers[key] = (value, dumps("F", [{key: value}])[4:])
            items.append(cached[1])
        data = b"".join(items)
        return pack(">I", len(data)) + data

    def _frame(self, kind: int, payload: bytes) -> bytes:
        return pack(">BHI", kind, self.channel_id, len(payload)) + payload + FRAME_END

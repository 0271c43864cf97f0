"""The AMQP 0-9-1 connection handshake by hand, to prove an endpoint answers; and why a connection fails,
in words. Standard library only.

`plan` with nothing to change needs no AMQP at all, yet must fail when workers could not connect (TLS to
a plain port, a port that never speaks AMQP, a wrong password or vhost). Opening a pika connection would
prove it, but importing pika costs a warm plan more CPU than its whole read of the vhost; this module does
the same handshake (protocol header, start/start-ok with PLAIN, tune/tune-ok, open/open-ok, close) over a
socket, beside the read. The wording of each cause is shared with `amqp`, which explains pika's failures.
"""

from __future__ import annotations

import socket
import ssl
import struct

from topology import hints
from topology.broker.settings import Settings
from topology.errors import BrokerUnavailable

CONNECT_TIMEOUT_SECONDS = 5.0
PROTOCOL_HEADER = b"AMQP\x00\x00\x09\x01"
FRAME_METHOD, FRAME_END = 1, b"\xce"
START, START_OK, TUNE, TUNE_OK, OPEN, OPEN_OK, CLOSE, CLOSE_OK = (
    (10, 10), (10, 11), (10, 30), (10, 31), (10, 40), (10, 41), (10, 50), (10, 51)
)  # fmt: skip
ACCESS_REFUSED, NOT_ALLOWED = 403, 530


class Closed(Exception):
    """The broker closed the connection during the handshake (connection.close: code and text)."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code


UNANSWERED = (OSError, ValueError, struct.error)
"""What `handshake` raises when no AMQP broker answered (as opposed to `Closed`: one answered, and refused)."""


def prove_amqp(settings: Settings) -> str | None:
    """Open an AMQP connection to the vhost and close it: the cluster name the broker gave (None: it gave
    none); BrokerUnavailable (exit 3) with the cause and its fix when it cannot be opened."""
    try:
        return handshake(settings)
    except Closed as closed:
        raise refusal(settings, closed.code, str(closed)) from None
    except UNANSWERED as error:
        raise explain(settings, error, CONNECT_TIMEOUT_SECONDS) from None


def handshake(settings: Settings) -> str | None:
    """`prove_amqp` without the words: raises Closed when the broker refused, one of UNANSWERED when none
    answered."""
    broker = settings.broker
    with socket.create_connection((broker.host, broker.port), timeout=CONNECT_TIMEOUT_SECONDS) as raw:
        if settings.tls:
            context = ssl.create_default_context()
            with context.wrap_socket(raw, server_hostname=broker.host) as tls:
                return _handshake(tls, settings)
        return _handshake(raw, settings)


def _handshake(sock: socket.socket, settings: Settings) -> str | None:
    sock.sendall(PROTOCOL_HEADER)
    cluster = _cluster_name(_expect(sock, START))
    broker = settings.broker
    credentials = f"\0{broker.username}\0{broker.password}".encode()
    start_ok = _client_properties() + _short(b"PLAIN") + _long(credentials) + _short(b"en_US")
    _send(sock, START_OK, start_ok)
    channel_max, frame_max, _ = struct.unpack(">HIH", _expect(sock, TUNE)[:8])
    _send(sock, TUNE_OK, struct.pack(">HIH", channel_max, frame_max, 0))
    _send(sock, OPEN, _short(settings.vhost.encode()) + _short(b"") + b"\x00")
    _expect(sock, OPEN_OK)
    _send(sock, CLOSE, struct.pack(">H", 200) + _short(b"") + struct.pack(">HH", 0, 0))
    _expect(sock, CLOSE_OK)
    return cluster


def _cluster_name(start: bytes) -> str | None:
    """`cluster_name` of connection.start's server properties (after the two version octets): a field
    table of long strings and nested tables (`capabilities`) in RabbitMQ's, read up to the entry sought;
    None once an entry of another type comes first (its size would need the whole table grammar)."""
    (size,) = struct.unpack(">I", start[2:6])
    table, at = start[6 : 6 + size], 0
    while at < len(table):
        name_size = table[at]
        name, kind = table[at + 1 : at + 1 + name_size], table[at + 1 + name_size : at + 2 + name_size]
        at += 2 + name_size
        if kind not in (b"S", b"F"):
            return None
        (value_size,) = struct.unpack(">I", table[at : at + 4])
        value, at = table[at + 4 : at + 4 + value_size], at + 4 + value_size
        if name == b"cluster_name" and kind == b"S":
            return value.decode(errors="replace")
    return None


def _client_properties() -> bytes:
    """A field table: the capability that makes RabbitMQ answer a refused login with a close (403) instead
    of dropping the socket, and the name the management UI lists the connection under."""
    capabilities = _short(b"authentication_failure_close") + b"t\x01"
    entries = _short(b"capabilities") + b"F" + _long(capabilities)
    entries += _short(b"connection_name") + b"S" + _long(b"topology amqp check")
    return _long(entries)


def _short(value: bytes) -> bytes:
    return bytes([len(value)]) + value


def _long(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value


def _send(sock: socket.socket, method: tuple[int, int], arguments: bytes) -> None:
    payload = struct.pack(">HH", *method) + arguments
    sock.sendall(struct.pack(">BHI", FRAME_METHOD, 0, len(payload)) + payload + FRAME_END)


def _expect(sock: socket.socket, method: tuple[int, int]) -> bytes:
    """The arguments of the next method frame, which must be `method`; a close says why it is not."""
    kind, _, size = struct.unpack(">BHI", _read(sock, 7))
    payload = _read(sock, size + 1)[:-1]
    found = struct.unpack(">HH", payload[:4])
    if found == CLOSE:
        code, length = struct.unpack(">HB", payload[4:7])
        raise Closed(code, payload[7 : 7 + length].decode(errors="replace"))
    if kind != FRAME_METHOD or found != method:
        raise ValueError(f"not an AMQP 0-9-1 broker: {found} where {method} was due")
    return payload[4:]


def _read(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:  # RabbitMQ closes the socket on a failed login without a word (AMQP 0-9-1 allows it)
            raise ConnectionResetError("the broker closed the connection")
        data += chunk
    return data


def refusal(settings: Settings, code: int, text: str) -> BrokerUnavailable:
    """The broker's refusal of the login (403) or of the vhost (530), with the fix."""
    broker = settings.broker
    where = f"RabbitMQ at {broker} (vhost {settings.vhost!r})"
    if code == ACCESS_REFUSED:
        return BrokerUnavailable(
            f"{where} refused user {broker.username!r}: wrong user or password; {hints.FIX_BROKER_URL}"
        )
    if code == NOT_ALLOWED:
        return BrokerUnavailable(
            f"{where}: the vhost does not exist or {broker.username!r} may not use it: "
            f"{hints.add_vhost(settings.vhost, broker.username)}"
        )
    return BrokerUnavailable(f"{where} closed the connection: {text}")


def explain(settings: Settings, error: BaseException, waited: float) -> BrokerUnavailable:
    """Why no connection opened, one cause each: no such host, TLS refused, a port that never speaks AMQP,
    nothing listening."""
    broker = settings.broker
    where = f"cannot connect to RabbitMQ at {broker} (vhost {settings.vhost!r})"
    if isinstance(error, socket.gaierror):
        return BrokerUnavailable(
            f"{where}: the host name {broker.host!r} does not resolve (DNS); {hints.FIX_BROKER_URL}"
        )
    if isinstance(error, ssl.SSLCertVerificationError):
        return BrokerUnavailable(
            f"{where}: its TLS certificate was not accepted ({error.verify_message}); give the host name the "
            "certificate names, or trust its CA (SSL_CERT_FILE)"
        )
    if isinstance(error, ssl.SSLError):
        return BrokerUnavailable(
            f"{where}: the TLS handshake failed ({error.reason or error}): the port may not speak TLS (RabbitMQ's "
            f"TLS port is usually 5671, its plain one 5672: amqp:// for that); {hints.FIX_BROKER_URL}"
        )
    if isinstance(error, TimeoutError | ValueError | struct.error):
        tls = "; amqps:// to a plain port waits the same way" if settings.tls else ""
        return BrokerUnavailable(
            f"{where}: the port accepts connections but no AMQP handshake came within {waited:.0f} s: it is not "
            f"RabbitMQ's AMQP port (5672, TLS 5671), or the broker is stuck{tls}; {hints.FIX_BROKER_URL}"
        )
    if isinstance(error, ConnectionRefusedError):
        return BrokerUnavailable(f"{where}: connection refused; {hints.START_BROKER}")
    return BrokerUnavailable(f"{where}: {error or type(error).__name__}; {hints.START_BROKER}")

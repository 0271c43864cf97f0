"""A TCP relay in front of the real broker that can hold a client mid-way, for interrupting `apply` at a
known point instead of racing it: a faster apply must not turn "killed mid-way" into "killed after"."""

from __future__ import annotations

import contextlib
import socket
import threading


class Relay:
    """Forwards 127.0.0.1:<port> to the broker. Once clients have sent `hold_after` bytes, what they send
    next is held (the broker's side still reaches them) until `release()`; after that nothing is held."""

    def __init__(self, broker: tuple[str, int], hold_after: int) -> None:
        self.broker = broker
        self.hold_after = hold_after
        self.forwarded = 0
        self.holding = threading.Event()
        self.released = threading.Event()
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def release(self) -> None:
        self.released.set()

    def cut(self) -> None:
        """Drop every connection at the TCP level, the way a network failure or a load balancer does."""
        with self.lock:
            for each in self.sockets:
                _shut(each)

    def close(self) -> None:
        self.release()
        self.listener.close()
        self.cut()
        with self.lock:
            for each in self.sockets:
                each.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(self.broker)
            with self.lock:
                self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                if from_client:
                    self._count(len(data))
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _shut(sink)

    def _count(self, size: int) -> None:
        """Hold the caller (one client's stream) once the threshold is passed, until released."""
        with self.lock:
            self.forwarded += size
            over = self.forwarded > self.hold_after
        if over and not self.released.is_set():
            self.holding.set()
            self.released.wait()


def _shut(each: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already shut
        each.shutdown(socket.SHUT_RDWR)

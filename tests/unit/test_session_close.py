"""A command that ends early (an invalid file) stops and waits for the vhost read it had started: a read
still running as the interpreter shuts down crashed it (SIGSEGV or SIGABRT, a few runs in a hundred)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from topology.cli.main import main

ANSWER_AFTER_SECONDS = 0.5


class _Slow(BaseHTTPRequestHandler):
    """An HTTP server that takes its time to say 404: the read is still under way when the file fails."""

    def do_GET(self) -> None:
        time.sleep(ANSWER_AFTER_SECONDS)
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"error": "Object Not Found"}')

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def slow_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://guest:guest@127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("command", ["inspect", "workers", "apply"])
def test_a_command_ending_on_an_invalid_file_leaves_no_read_running(
    command: str, slow_api: str, tmp_path: Path
) -> None:
    missing = str(tmp_path / "missing.yaml")
    args = [command, "-f", missing, "--broker", "amqp://guest:guest@127.0.0.1:1//", "--management-url", slow_api]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "cannot read the topology file" in result.stderr
    # the session's reads run `run_it` (Python names a thread after its target); the server's are its own
    assert [t.name for t in threading.enumerate() if "(run_it)" in t.name and t.is_alive()] == []

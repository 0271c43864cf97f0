"""Where a command's document goes: to `-o FILE` (saying so on stderr), else stdout. A path that cannot be
written is one line and exit 2 (a missing folder, a directory, a full disk), never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from topology.broker.settings import redacted
from topology.errors import InvalidUsage


def write_output(output: str | None, data: bytes) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        Path(output).write_bytes(data)
    except OSError as error:
        raise InvalidUsage(f"cannot write -o {output}: {error.strerror or error}") from None
    click.echo(f"wrote {redacted(output)}", err=True)  # a file named after a URL (typed where it does not belong)

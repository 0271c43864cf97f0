"""Where the commands that write a file send it: to -o FILE, else stdout; what they report goes to stderr,
so that `> routing.yaml` captures the file alone. With --format json, one JSON document on stdout instead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from topology.cli.output import print_json


def write_file(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    Path(output).write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


def print_written(text: str, output: str | None, fmt: str, envelope: dict[str, Any], lines: list[str]) -> None:
    """The file and what was found on the way: `lines` on stderr, or as JSON the command's `envelope` (see
    envelope.py), the file's path and text added under its `data`."""
    if fmt == "json":
        if output is not None:
            Path(output).write_text(text, encoding="utf-8")
        print_json({**envelope, "data": {**envelope["data"], "file": output, "routing_yaml": text}})
        return
    for line in lines:
        click.echo(line, err=True)
    write_file(text, output)

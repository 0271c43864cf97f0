"""`graph`'s output: DOT or Mermaid text, or the picture Graphviz's `dot` renders from the DOT text."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import click

from topology import hints
from topology.commands.graph import GraphReport
from topology.errors import ToolMissing
from topology.picture.dot import to_dot
from topology.picture.mermaid import to_mermaid

RENDERED = ("svg", "png")
DOT_TIMEOUT_SECONDS = 120  # a 300-queue picture lays out in seconds; this only stops a hung `dot`


def rendered(report: GraphReport, fmt: str) -> bytes:
    text = to_mermaid(report.graph) if fmt == "mermaid" else to_dot(report.graph, report.title)
    return text.encode() if fmt not in RENDERED else run_dot(text, fmt)


def run_dot(text: str, fmt: str) -> bytes:
    dot = shutil.which("dot")
    if dot is None:
        raise ToolMissing(f"--format {fmt} needs Graphviz's `dot`, which is not on PATH: {hints.INSTALL_GRAPHVIZ}")
    done = subprocess.run(
        [dot, f"-T{fmt}"], input=text.encode(), capture_output=True, timeout=DOT_TIMEOUT_SECONDS, check=False
    )
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise ToolMissing(f"Graphviz's dot failed (exit {done.returncode}): {reason[0] if reason else 'no message'}")
    return done.stdout


def write(report: GraphReport, fmt: str, output: str | None) -> None:
    """To `output`, saying where; else to stdout (a png only when stdout is not a terminal)."""
    if output is None and fmt == "png" and sys.stdout.isatty():
        raise click.UsageError("a png is binary: give -o FILE, or redirect stdout to a file")
    data = rendered(report, fmt)
    if report.note:
        click.echo(f"note: {report.note}", err=True)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    path = Path(output)
    path.write_bytes(data)
    click.echo(f"routing picture ({fmt}) written to {path}")

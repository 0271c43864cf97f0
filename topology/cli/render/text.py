"""What every text renderer shares: aligned columns, problems and findings as lines, JSON as printed."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from itertools import groupby
from typing import Any

import click

from topology.codes import Group
from topology.model import Problem
from topology.planning.findings import Finding

FINDING_INDENT = 25  # where a finding's fix starts: under its message


def print_json(data: dict[str, Any]) -> None:
    """Indented on a terminal, compact for a program: indenting takes the pure-Python encoder, several times
    slower on a large apply. Plain json.dumps: rich's highlighted JSON took seconds."""
    indent = 2 if sys.stdout.isatty() else None
    click.echo(json.dumps(data, indent=indent, default=lambda value: getattr(value, "value", str(value))))


def print_columns(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """Aligned columns under a header, as `kubectl get` prints them, in one write: rich's tables cost
    a large vhost's inspect more than all the rest of it (docs/performance.md)."""
    from rich.cells import cell_len  # a wide character (CJK) takes two columns

    lines = [header, *rows]
    widths = [max(cell_len(line[column]) for line in lines) for column in range(len(header) - 1)]

    def aligned(line: tuple[str, ...]) -> str:
        padded = (cell + " " * (width - cell_len(cell)) for cell, width in zip(line[:-1], widths, strict=True))
        return "  ".join([*padded, line[-1]])  # the last column unpadded: no trailing blanks

    click.echo("\n".join(map(aligned, lines)))


def echo_lines(lines: Iterable[str], *, err: bool = False) -> None:
    text = "\n".join(lines)
    if text:
        click.echo(text, err=err)


def print_problems(problems: Iterable[Problem]) -> None:
    """The file's problems (warnings, when the command goes on), on stderr."""
    echo_lines(map(str, problems), err=True)


def finding_lines(findings: Iterable[Finding]) -> list[str]:
    """One line a finding, and its fix under it: said once under a run of findings that share it (a fresh
    vhost's twenty missing objects take one `apply`). What the picture cannot tell yet (Group.NOTICE) is the
    report's note instead."""
    lines = []
    shown = [f for f in findings if f.code.group is not Group.NOTICE]
    for fix, run in groupby(shown, key=lambda f: f.fix):
        same = list(run)
        lines += [f"{_label(f):<7} {f.code.value:<17} {f.message}" for f in same]
        if fix:
            these = "" if len(same) == 1 else f" (all {len(same)} above)"
            lines.append(f"{'':<{FINDING_INDENT}} fix{these}: {fix}")
    return lines


def _label(finding: Finding) -> str:
    """Tasks the nets keep are neither drift nor lost: they wait for somebody to look at them."""
    return "kept" if finding.code.group is Group.KEPT else finding.severity.value

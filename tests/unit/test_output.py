"""The text tables: aligned by display width, in one write, whatever their length."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from topology.cli.render.text import print_columns


def test_columns_line_up_by_display_width_even_with_wide_characters(capsys: pytest.CaptureFixture[str]) -> None:
    print_columns(("QUEUE", "READY", "TASKS"), [("队列", "12", "a, b"), ("work.high", "0", "-")])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    # "READY" and each count start in the same display column: 2 spaces after the widest queue name
    starts = [cell_len(line[: line.index(value)]) for line, value in zip(lines, ("READY", "12", "0"), strict=True)]
    assert starts == [len("work.high") + 2] * 3
    assert lines[1].endswith("a, b") and lines[2].endswith("-")  # the last column is not padded


def test_a_table_of_thousands_of_rows_keeps_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [(f"svc{n}.q0", str(n), "-") for n in range(3000)]
    print_columns(("QUEUE", "READY", "TASKS"), rows)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3001
    assert lines[-1].split() == ["svc2999.q0", "2999", "-"]

"""`validate`: the file's warnings on stderr, what it holds, what it was checked against."""

from __future__ import annotations

import click

from topology.cli.envelope import Body, target_record
from topology.cli.render import Renderer
from topology.cli.render.text import print_problems
from topology.commands.result import Result
from topology.commands.validate import Checked, tasks_line
from topology.hints import counted

NAMES = {
    "exchanges": ("exchange", "exchanges"),
    "queues": ("queue", "queues"),
    "bindings": ("binding", "bindings"),
    "routes": ("route", "routes"),
    "schedule_entries": ("schedule entry", "schedule entries"),
    "warnings": ("warning", "warnings"),
}


def _summary(checked: Checked) -> dict[str, int]:
    topology = checked.loaded.topology
    return {
        "exchanges": len(topology.exchanges),
        "queues": len(topology.queues),
        "bindings": len(topology.all_bindings()),
        "routes": len(topology.routes),
        "schedule_entries": len(topology.schedule),
        "warnings": len(checked.loaded.warnings),
    }


def text(result: Result[Checked]) -> None:
    checked = result.report
    print_problems(checked.loaded.warnings)
    shown = (counted(n, *NAMES[key]) for key, n in _summary(checked).items())
    click.echo(f"{checked.path}: ok: " + ", ".join(shown))
    if checked.loaded.target is not None:
        click.echo(f"checked against {checked.loaded.target.described}")
    click.echo(tasks_line(checked.tasks))


def body(result: Result[Checked]) -> Body:
    checked = result.report
    data = {
        "file": str(checked.path),
        "task_names": tasks_line(checked.tasks),
        "rabbitmq": target_record(checked.loaded.target),
    }
    return Body(summary=_summary(checked), problems=checked.loaded.warnings, data=data)


VALIDATE = Renderer("validate", text, body)

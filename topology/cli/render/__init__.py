"""Each command's Result on the screen: one renderer per command (a module of this package), text for
people or the one JSON envelope for programs (`topology/cli/envelope.py`, envelope.schema.json).

Rendering only: every figure, verdict and exit code printed is in the Result given (`commands.result`).
A renderer is a `Renderer`: the command's name, a `text` function that prints the report for people, and a
`body` function that gives the envelope's parts (summary, note, problems, findings, changes, data); the
broker, vhost and exit code come from the Result itself, so every command fills them the same way. A
command that writes a document (routing.yaml, definitions, a schema, a picture) to `-o FILE` or stdout
is a `DocumentRenderer`. Adding a command's output is one module here; adding an output format is one
member of `cli.formats.Format` and one branch in `Renderer.show`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from topology.broker.settings import redacted
from topology.cli.envelope import Body, envelope
from topology.cli.formats import Format
from topology.cli.render.files import write_output
from topology.cli.render.text import echo_lines, print_json
from topology.codes import ExitCode
from topology.commands.result import Result

R = TypeVar("R")


@dataclass(frozen=True)
class Renderer(Generic[R]):
    command: str
    text: Callable[[Result[R]], None]
    body: Callable[[Result[R]], Body]

    def show(self, result: Result[R], fmt: Format) -> ExitCode:
        """Print `result` as `fmt`; its exit code, for the command to return."""
        if fmt is Format.JSON:
            print_json(self.envelope(result))
        else:
            self.text(result)
        return result.exit_code

    def envelope(self, result: Result[R]) -> dict[str, Any]:
        body = self.body(result)
        return envelope(self.command, result.exit_code, body, vhost=result.vhost, broker=result.broker)


@dataclass(frozen=True)
class DocumentRenderer(Generic[R]):
    """A command whose output is a document: written to `-o FILE` (saying so on stderr) or stdout, with what
    was found on the way (`lines`) on stderr, so that `> file` captures the document alone. As JSON, the
    envelope on stdout, the document under its `data` too, and `data.file` the path it was written to."""

    command: str
    document: Callable[[Result[R]], str]
    body: Callable[[Result[R]], Body]
    lines: Callable[[Result[R]], list[str]] = field(default=lambda _: [])

    def show(self, result: Result[R], fmt: Format, output: str | None = None) -> ExitCode:
        text = self.document(result)
        if fmt is Format.JSON:
            if output is not None:
                write_output(output, text.encode())
            body = self.body(result)
            body = replace(body, data={**body.data, "file": redacted(output) if output else None})
            print_json(envelope(self.command, result.exit_code, body, vhost=result.vhost, broker=result.broker))
            return result.exit_code
        echo_lines(map(redacted, self.lines(result)), err=True)  # they may quote -o's path
        write_output(output, text.encode())
        return result.exit_code

"""`graph`: the picture as svg, png, dot or mermaid, to -o FILE (its format from the extension) or stdout;
or, as JSON, its nodes and edges in the envelope. svg and png are Graphviz's `dot` run on the DOT text
(`commands.graph.run_dot`)."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import click

from topology.broker.settings import redacted
from topology.cli.envelope import Body
from topology.cli.formats import EXTENSIONS, Format, Picture
from topology.cli.render import Renderer
from topology.cli.render.files import write_output
from topology.cli.render.text import print_json
from topology.commands.graph import GraphReport, run_dot
from topology.commands.result import Result
from topology.errors import InvalidUsage
from topology.picture.dot import to_dot
from topology.picture.mermaid import to_mermaid


def picture_for(asked: str | None, output: str | None) -> Picture:
    """The picture to write: -o's extension says it, --format must agree (a .png never holds svg); without
    a known extension, --format, else svg."""
    by_name = EXTENSIONS.get(Path(output).suffix.lower()) if output is not None else None
    given = Picture(asked) if asked is not None and asked != Format.JSON.value else None
    if by_name is not None and given is not None and by_name is not given:
        raise InvalidUsage(f"--format {given.value} does not match -o {output} (a .{by_name.value} file): give one")
    return by_name or given or Picture.SVG


def show(result: Result[GraphReport], asked: str | None, output: str | None) -> int:
    """`asked`: --format as given (None: not given)."""
    picture = picture_for(asked, output)
    if asked == Format.JSON.value:
        if output is not None:
            write_output(output, _drawn(result.report, picture))
        document = GRAPH.envelope(result)
        shown = redacted(output) if output is not None else None  # a file named after a URL, password hidden
        document["data"] |= {"file": shown, "picture": picture.value if output is not None else None}
        print_json(document)
        return result.exit_code
    if output is None and picture is Picture.PNG and sys.stdout.isatty():
        raise InvalidUsage("a png is binary: give -o FILE, or redirect stdout to a file")
    data = _drawn(result.report, picture)
    if result.report.note:
        click.echo(f"note: {result.report.note}", err=True)
    write_output(output, data)
    return result.exit_code


def _drawn(report: GraphReport, picture: Picture) -> bytes:
    if picture is Picture.MERMAID:
        return to_mermaid(report.graph).encode()
    text = to_dot(report.graph, report.title)
    return run_dot(text, picture.value) if picture.rendered else text.encode()


def _text(result: Result[GraphReport]) -> None:
    """The default picture on stdout."""
    write_output(None, _drawn(result.report, Picture.SVG))


def _body(result: Result[GraphReport]) -> Body:
    graph = result.report.graph
    nodes = [
        {"id": n.id, "kind": n.kind.value, "name": n.name, "presence": n.presence.value, "notes": list(n.notes)}
        for n in graph.nodes
    ]
    edges = [{**asdict(e), "kind": e.kind.value, "presence": e.presence.value} for e in graph.edges]
    data = {"title": result.report.title, "nodes": nodes, "edges": edges}
    summary = {"nodes": len(nodes), "edges": len(edges)}
    return Body(summary=summary, note=result.report.note, data=data)


GRAPH = Renderer("graph", _text, _body)

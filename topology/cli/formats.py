"""The output formats the CLI offers: `--format` of every command, and graph's pictures. Imported before a
command starts reading the broker, so nothing but the standard library."""

from __future__ import annotations

from enum import Enum


class Format(str, Enum):
    """How a command prints its report."""

    TEXT = "text"  # for people: aligned columns, one line a finding with its fix; a command's document as is
    JSON = "json"  # for programs: the envelope (topology/cli/envelope.schema.json), errors included

    @classmethod
    def choices(cls) -> list[str]:
        return [f.value for f in cls]


class Picture(str, Enum):
    """What `graph` draws."""

    SVG = "svg"
    PNG = "png"
    DOT = "dot"
    MERMAID = "mermaid"

    @property
    def rendered(self) -> bool:
        """Drawn by Graphviz (binary for png), not text of ours."""
        return self in (Picture.SVG, Picture.PNG)


EXTENSIONS = {".svg": Picture.SVG, ".png": Picture.PNG, ".dot": Picture.DOT, ".gv": Picture.DOT}
EXTENSIONS |= {".mmd": Picture.MERMAID, ".mermaid": Picture.MERMAID}
"""The picture a file's extension names: `graph -o routing.png` draws a png."""
GRAPH_FORMATS = [*(p.value for p in Picture), Format.JSON.value]

"""Find, read and check routing.yaml: a Topology, or InvalidTopology listing every problem at once."""

from __future__ import annotations

import os
from pathlib import Path

from topology.checks import check_references, check_topology
from topology.document import parse_document, to_topology
from topology.errors import InvalidTopology
from topology.model import Origin, Problem, Topology
from topology.yaml_source import read_yaml

DEFAULT_FILE = "routing.yaml"
FILE_ENV = "TOPOLOGY_FILE"


def topology_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`-f/--file` if given, else $TOPOLOGY_FILE, else ./routing.yaml."""
    return Path(explicit or os.environ.get(FILE_ENV) or DEFAULT_FILE)


def load_topology(path: str | os.PathLike[str] | None = None) -> Topology:
    file = topology_path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise InvalidTopology([Problem(f"cannot read the topology file: {reason}", Origin(str(file), 1, 1))]) from None
    return parse_topology(text, str(file))


def parse_topology(text: str, file: str = DEFAULT_FILE) -> Topology:
    source = read_yaml(text, file)
    if source.data is None and source.problems:
        raise InvalidTopology(source.problems)
    parsed = parse_document(source.data, source.positions)
    problems = source.problems + parsed.problems
    if parsed.document is None:
        if parsed.partial is not None:
            problems += check_references(to_topology(parsed.partial, source.positions))
        raise InvalidTopology(problems)
    topology = to_topology(parsed.document, source.positions)
    problems += check_topology(topology)
    if problems:
        raise InvalidTopology(problems)
    return topology

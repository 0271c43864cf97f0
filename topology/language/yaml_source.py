"""Read a YAML document into plain Python data plus the position of every key and value.

PyYAML's composer keeps a mark on each node; plain ``yaml.safe_load`` throws them away and
silently keeps the last of two duplicate keys. Here duplicates are problems, every one reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from topology.model import Origin, Problem

Path = tuple[str | int, ...]
# libyaml's composer keeps the same marks and is ~10x faster on topologies of thousands of objects;
# its syntax errors are terser, so a file it rejects is read again by PyYAML for the message.
_FastLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Positions:
    """Where each value (by its path from the document root) and each mapping key stands."""

    file: str
    values: dict[Path, Origin] = field(default_factory=dict)
    keys: dict[Path, Origin] = field(default_factory=dict)

    def of_value(self, path: Path) -> Origin:
        """The closest known place: the value at `path`, else its nearest enclosing value."""
        for end in range(len(path), -1, -1):
            origin = self.values.get(path[:end])
            if origin is not None:
                return origin
        return Origin(self.file, 1, 1)

    def of_key(self, path: Path) -> Origin:
        return self.keys.get(path) or self.of_value(path)


@dataclass
class Source:
    data: Any
    positions: Positions
    problems: list[Problem]


def read_yaml(text: str, file: str, loader_class: type[yaml.SafeLoader] = _FastLoader) -> Source:
    positions = Positions(file)
    problems: list[Problem] = []
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else _Walker(loader, positions, problems).value(node, ())
    except yaml.MarkedYAMLError as error:
        if loader_class is not yaml.SafeLoader:
            return read_yaml(text, file, yaml.SafeLoader)
        mark = error.problem_mark or error.context_mark
        origin = Origin(file, mark.line + 1, mark.column + 1) if mark else Origin(file, 1, 1)
        problem = " ".join(p for p in (error.context, error.problem) if p) or "invalid YAML"
        return Source(None, positions, [Problem(f"invalid YAML: {problem}", origin)])
    finally:
        loader.dispose()
    return Source(data, positions, problems)


@dataclass
class _Walker:
    loader: yaml.SafeLoader
    positions: Positions
    problems: list[Problem]
    _open: set[int] = field(default_factory=set)

    def origin(self, node: yaml.Node) -> Origin:
        return Origin(self.positions.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def value(self, node: yaml.Node, path: Path) -> Any:
        self.positions.values[path] = self.origin(node)
        if id(node) in self._open:
            self.problems.append(Problem("an alias refers to a node that contains it", self.origin(node)))
            return None
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                return [self.value(item, (*path, i)) for i, item in enumerate(node.value)]
            return self.loader.construct_object(node, deep=True)
        finally:
            self._open.discard(id(node))

    def mapping(self, node: yaml.MappingNode, path: Path) -> dict[Any, Any]:
        self.loader.flatten_mapping(node)  # resolves '<<' merge keys the way safe_load does
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(Problem("a mapping key must be a plain value", self.origin(key_node)))
                continue
            key = self.loader.construct_object(key_node)
            if not isinstance(key, (str, int)):
                key = str(key)
            if key in result:
                first = self.positions.keys[(*path, key)]
                self.problems.append(
                    Problem(f"duplicate key {key!r} (first at line {first.line})", self.origin(key_node))
                )
                continue
            self.positions.keys[(*path, key)] = self.origin(key_node)
            result[key] = self.value(value_node, (*path, key))
        return result

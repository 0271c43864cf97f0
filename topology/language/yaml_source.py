"""Read a YAML document into plain Python data plus the position of every key and value.

PyYAML's composer keeps a mark on each node; plain ``yaml.safe_load`` throws them away and
silently keeps the last of two duplicate keys. Here duplicates are problems, every one reported.

The document is built here from the parser's events, without recursion and within limits, because
the file may be hostile: PyYAML's own composer and constructor recurse once per level of nesting
(deep nesting exhausts Python's stack), expand aliases without bound (a few nested lists of aliases
repeat their values exponentially), and convert integers of any length (Python refuses past 4,300 digits).
Here nesting stops at MAX_DEPTH levels, the document at MAX_VALUES values with its aliases expanded,
and whole numbers at what an AMQP table carries (signed 64-bit); characters YAML does not allow are
named with their line and column before anything is parsed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml

from topology.model import Origin, Problem

Path = tuple[str | int, ...]
# libyaml's parser is ~10x faster on topologies of thousands of objects; its syntax errors are terser,
# so a file it rejects is read again by PyYAML for the message, when small enough to be read quickly.
_FastLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
PYTHON_PARSER_BYTES = 256 * 1024

MAX_DEPTH = 64
"""Levels of nesting: routing.yaml needs six; Celery's arguments in `schedule` may nest some more."""
MAX_VALUES = 150_000
"""Values in the document, each alias counted as everything it repeats: several times a 10,000-object
topology, and few enough to be checked in seconds and a little memory."""
INT64 = (-(2**63), 2**63 - 1)
"""The whole numbers an AMQP field table carries (a signed 64-bit long-long)."""
_INT_CHARACTERS = 40  # longer than any spelling of a 64-bit number (decimal, 0x, 0o, 0b, base 60), '_' aside

# What YAML 1.1 (and PyYAML's reader) allows in a stream; libyaml also refuses a byte order mark past the start.
_UNPRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_REPORTED_CHARACTERS = 10
_C0_NAMES = (
    *("NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR", "SO", "SI"),
    *("DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US"),
    *(None,) * (0x7F - 0x20),
    "DEL",
)

_INT_TAG = "tag:yaml.org,2002:int"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_TEXT_TAGS = frozenset({"tag:yaml.org,2002:str", "tag:yaml.org,2002:value"})
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{kind}" for kind in ("null", "bool", "int", "float", "str", "binary", "timestamp")
)


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
    unprintable = _unprintable(text, file)
    if unprintable:
        return Source(None, positions, unprintable)
    problems: list[Problem] = []
    loader = loader_class(text)
    try:
        data = _Composer(loader, file, problems).document()
    except _Refused as refused:
        return Source(None, positions, [refused.problem])
    except yaml.YAMLError as error:
        if loader_class is not yaml.SafeLoader and len(text) <= PYTHON_PARSER_BYTES:
            return read_yaml(text, file, yaml.SafeLoader)
        return Source(None, positions, [_syntax_problem(error, text, file)])
    finally:
        loader.dispose()
    for path, origin, is_key in data[1]:
        (positions.keys if is_key else positions.values)[path] = origin
    return Source(data[0], positions, problems)


def plain_scalar(text: str) -> Any:
    """What `text` would be if written as a plain scalar: a number, true/false, else the text itself.
    ValueError (its message for the user) for a whole number out of INT64."""
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
    if tag == _INT_TAG:
        return _whole_number(text, lambda: yaml.SafeLoader.construct_yaml_int(_CONSTRUCTOR, yaml.ScalarNode(tag, text)))
    if tag in ("tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"):
        return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, text))
    return text


_RESOLVER: Any = yaml.resolver.Resolver()
_CONSTRUCTOR: Any = yaml.SafeLoader("")


def _whole_number(text: str, construct: Any) -> int:
    if len(text.replace("_", "")) > _INT_CHARACTERS:
        raise ValueError(f"{_abridged(text)} is out of range: {_INT64_HINT}")
    value: int = construct()
    if not INT64[0] <= value <= INT64[1]:
        raise ValueError(f"{_abridged(text)} is out of range: {_INT64_HINT}")
    return value


_INT64_HINT = "whole numbers go into AMQP tables, which carry signed 64-bit ones (-2^63 to 2^63-1)"


def _abridged(text: str) -> str:
    return repr(text) if len(text) <= 24 else f"{text[:12]!r}... ({len(text)} characters)"


@dataclass
class _Lines:
    """Lines and columns of places in `text` (1-based, line breaks counted as YAML counts them), for
    places in increasing order: each is counted on from the one before."""

    text: str
    counted: int = 0
    line: int = 1
    line_start: int = 0

    def place(self, index: int) -> tuple[int, int]:
        for found in _LINE_BREAK.finditer(self.text, self.counted, index):
            self.line, self.line_start = self.line + 1, found.end()
        self.counted = max(self.counted, index)
        return self.line, index - self.line_start + 1


def _unprintable(text: str, file: str) -> list[Problem]:
    found = [m for m in _UNPRINTABLE.finditer(text) if not (m.start() == 0 and m.group() == "\ufeff")]
    problems = []
    lines = _Lines(text)
    for match in found[:_REPORTED_CHARACTERS]:
        code = ord(match.group())
        name = _C0_NAMES[code] if code < len(_C0_NAMES) else unicodedata.name(match.group(), None)
        label = f"U+{code:04X}" + (f" ({name})" if name else "")
        line, column = lines.place(match.start())
        problems.append(Problem(f"character {label} is not allowed in YAML: remove it", Origin(file, line, column)))
    if len(found) > _REPORTED_CHARACTERS:
        line, column = lines.place(found[_REPORTED_CHARACTERS].start())
        more = len(found) - _REPORTED_CHARACTERS
        problems.append(Problem(f"and {more} more such characters from here on", Origin(file, line, column)))
    return problems


def _syntax_problem(error: yaml.YAMLError, text: str, file: str) -> Problem:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        origin = Origin(file, mark.line + 1, mark.column + 1) if mark else Origin(file, 1, 1)
        problem = " ".join(p for p in (error.context, error.problem) if p) or "invalid YAML"
        return Problem(f"invalid YAML: {problem}", origin)
    position = getattr(error, "position", 0)
    line, column = _Lines(text).place(position if isinstance(position, int) else 0)
    return Problem(f"invalid YAML: {getattr(error, 'reason', None) or error}", Origin(file, line, column))


class _Refused(Exception):
    """The document passes a limit: reading stops, with this one problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


Entry = tuple[Path, Origin, bool]
"""A position in the making: the path, its place, and whether it is a mapping key's."""


@dataclass(frozen=True)
class _Anchored:
    value: Any
    entries: list[Entry]  # paths relative to the anchored value's own
    size: int
    height: int
    collection: bool
    origin: Origin


class _Merge:
    """The `<<` key of a merge (YAML's merge key type)."""


_MERGE = _Merge()
_NOTHING = object()


@dataclass
class _Frame:
    """A mapping or sequence being read."""

    path: Path
    origin: Origin
    mapping: bool
    anchor: str | None
    start: int  # where its entries begin in the composer's list
    size: int  # the composer's value count when it began
    next_start: int  # where the entries of the key or value being read begin
    items: list[Any] = field(default_factory=list)
    pairs: list[tuple[Any, Any]] = field(default_factory=list)
    merges: list[Any] = field(default_factory=list)  # the values of its `<<` keys
    own_keys: dict[Any, Origin] = field(default_factory=dict)
    key: Any = _NOTHING  # the key whose value comes next, in a mapping
    key_origin: Origin | None = None
    discard: bool = False  # the pair being read is dropped (a problem was reported for its key)
    height: int = 0


@dataclass
class _Composer:
    loader: Any  # PyYAML's or libyaml's parser with SafeLoader's resolver and constructors (partly typed)
    file: str
    problems: list[Problem]
    entries: list[Entry] = field(default_factory=list)
    anchors: dict[str, _Anchored] = field(default_factory=dict)
    open_anchors: set[str] = field(default_factory=set)
    size: int = 0

    def origin(self, event: Any) -> Origin:
        return Origin(self.file, event.start_mark.line + 1, event.start_mark.column + 1)

    def document(self) -> tuple[Any, list[Entry]]:
        loader = self.loader
        loader.get_event()  # stream start
        if loader.check_event(yaml.StreamEndEvent):
            return None, []
        start = loader.get_event()  # document start
        data = self.node()
        loader.get_event()  # document end
        if not loader.check_event(yaml.StreamEndEvent):
            another = loader.get_event()
            raise yaml.composer.ComposerError(
                "expected a single document in the stream",
                start.start_mark,
                "but found another document",
                another.start_mark,
            )
        return data, self.entries

    def node(self) -> Any:
        """The next node, read event by event: collections are frames on a stack, not recursive calls."""
        stack: list[_Frame] = []
        while True:
            event = self.loader.get_event()
            if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                frame = stack.pop()
                value, height, origin, collection = self.finish(frame), frame.height + 1, frame.origin, True
                if not stack:
                    return value
                self.add(stack[-1], value, height, origin, collection)
                continue
            origin = self.origin(event)
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise _Refused(Problem(f"nested deeper than {MAX_DEPTH} levels", origin))
                self.count(event)
                path = self.child_path(stack)
                self.entries.append((path, origin, False))
                if event.anchor is not None:
                    self.open_anchors.add(event.anchor)
                mapping = isinstance(event, yaml.MappingStartEvent)
                count = len(self.entries)
                stack.append(_Frame(path, origin, mapping, event.anchor, count - 1, self.size - 1, count))
                continue
            if isinstance(event, yaml.AliasEvent):
                value, height, collection = self.alias(event, stack, origin)
            else:
                value, height, collection = self.scalar(event, stack, origin), 1, False
            if not stack:
                return value
            self.add(stack[-1], value, height, origin, collection)

    def child_path(self, stack: list[_Frame]) -> Path:
        if not stack:
            return ()
        parent = stack[-1]
        if not parent.mapping:
            return (*parent.path, len(parent.items))
        if parent.key is _NOTHING:
            return (*parent.path, "<key>")  # entries read inside a key are dropped with it
        if parent.key is _MERGE:
            return (*parent.path, "<<", len(parent.merges))
        return (*parent.path, parent.key)

    def count(self, event: Any, values: int = 1) -> None:
        self.size += values
        if self.size > MAX_VALUES:
            expanded = " once its aliases are expanded" if isinstance(event, yaml.AliasEvent) else ""
            message = f"the document holds more than {MAX_VALUES:,} values{expanded}, the most a file may hold"
            raise _Refused(Problem(message, self.origin(event)))

    def scalar(self, event: Any, stack: list[_Frame], origin: Origin) -> Any:
        self.count(event)
        is_key = bool(stack) and stack[-1].mapping and stack[-1].key is _NOTHING
        if not is_key:
            self.entries.append((self.child_path(stack), origin, False))
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        value = self.construct(event, tag, origin, is_key)
        if event.anchor is not None:
            self.remember(event.anchor, _Anchored(value, [((), origin, False)], 1, 1, False, origin))
        return value

    def construct(self, event: Any, tag: str, origin: Origin, is_key: bool) -> Any:
        if tag == _MERGE_TAG and is_key:
            return _MERGE
        if tag in _TEXT_TAGS:  # '=' too: PyYAML's flatten_mapping reads it as text
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            if tag == _INT_TAG:
                return _whole_number(event.value, lambda: self.loader.construct_yaml_int(node))
            if tag in _SCALAR_TAGS:
                return self.loader.yaml_constructors[tag](self.loader, node)
            return self.loader.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as error:
            self.problems.append(Problem(f"invalid YAML: {error.problem}", origin))
        except (ValueError, OverflowError) as error:  # a number out of range, a date that does not exist
            self.problems.append(Problem(str(error) if tag == _INT_TAG else f"{event.value!r}: {error}", origin))
        return None

    def alias(self, event: Any, stack: list[_Frame], origin: Origin) -> tuple[Any, int, bool]:
        if event.anchor in self.open_anchors:
            self.problems.append(Problem("an alias refers to a node that contains it", origin))
            return None, 1, False
        found = self.anchors.get(event.anchor)
        if found is None:
            raise yaml.composer.ComposerError(None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
        if len(stack) + found.height > MAX_DEPTH:
            raise _Refused(Problem(f"this alias nests the document deeper than {MAX_DEPTH} levels", origin))
        self.count(event, found.size)
        if not (stack and stack[-1].mapping and stack[-1].key is _NOTHING):
            path = self.child_path(stack)
            self.entries.append((path, origin, False))
            self.entries.extend(((*path, *rest), where, key) for rest, where, key in found.entries if rest)
        return found.value, found.height, found.collection

    def add(self, parent: _Frame, value: Any, height: int, origin: Origin, collection: bool) -> None:
        parent.height = max(parent.height, height)
        if not parent.mapping:
            parent.items.append(value)
            return
        if parent.key is _NOTHING:
            self.take_key(parent, value, origin, collection)
            return
        if parent.key is _MERGE:
            parent.merges.append(value)
        elif parent.discard:
            del self.entries[parent.next_start :]
        else:
            self.entries.append(((*parent.path, parent.key), parent.key_origin or origin, True))
            parent.pairs.append((parent.key, value))
        parent.key, parent.discard, parent.next_start = _NOTHING, False, len(self.entries)

    def take_key(self, parent: _Frame, key: Any, origin: Origin, collection: bool) -> None:
        del self.entries[parent.next_start :]  # what was read inside a collection key
        if collection:
            self.problems.append(Problem("a mapping key must be a plain value", origin))
            parent.discard = True
        elif key is not _MERGE:
            key = key if isinstance(key, (str, int)) else str(key)
            first = parent.own_keys.get(key)
            if first is not None:
                self.problems.append(Problem(f"duplicate key {key!r} (first at line {first.line})", origin))
                parent.discard = True
            else:
                parent.own_keys[key] = origin
        parent.key, parent.key_origin, parent.next_start = key, origin, len(self.entries)

    def finish(self, frame: _Frame) -> Any:
        value: Any = self.merged(frame) if frame.mapping else frame.items
        if frame.anchor is not None:
            self.open_anchors.discard(frame.anchor)
            depth = len(frame.path)
            relative = [(path[depth:], origin, is_key) for path, origin, is_key in self.entries[frame.start :]]
            found = _Anchored(value, relative, self.size - frame.size, frame.height + 1, True, frame.origin)
            self.remember(frame.anchor, found)
        return value

    def remember(self, name: str, anchored: _Anchored) -> None:
        first = self.anchors.get(name)
        if first is not None:
            message = f"duplicate anchor &{name} (first at line {first.origin.line})"
            self.problems.append(Problem(message, anchored.origin))
        self.anchors[name] = anchored

    def merged(self, frame: _Frame) -> dict[Any, Any]:
        """The mapping with its `<<` merges, as PyYAML's flatten_mapping and safe_load make it: merged
        pairs first (from a list of mappings, the earlier wins), then the mapping's own, which win."""
        sources: list[tuple[Path, dict[Any, Any]]] = []
        for number, merge in enumerate(frame.merges):
            at: Path = (*frame.path, "<<", number)
            if isinstance(merge, dict):
                sources.append((at, merge))
            elif isinstance(merge, list) and all(isinstance(m, dict) for m in merge):
                sources.extend(((*at, i), m) for i, m in reversed(list(enumerate(merge))))
            else:
                self.problems.append(Problem("a merge (<<) takes a mapping or a list of mappings", frame.origin))
        result: dict[Any, Any] = {}
        winner: dict[Any, int] = {}
        for number, (_, mapping) in enumerate(sources, start=1):
            result.update(mapping)
            winner.update(dict.fromkeys(mapping, number))
        for key, value in frame.pairs:
            result[key] = value
            winner[key] = 0
        if frame.merges:
            self.place_merged(frame, sources, winner)
        return result

    def place_merged(self, frame: _Frame, sources: list[tuple[Path, dict[Any, Any]]], winner: dict[Any, int]) -> None:
        """Positions of merged values: the `<<` entries moved to the keys they fill, the others dropped."""
        merged_root = (*frame.path, "<<")
        kept: list[Entry] = []
        for path, origin, is_key in self.entries[frame.start :]:
            if path[: len(merged_root)] != merged_root:
                kept.append((path, origin, is_key))
                continue
            for number, (prefix, _) in enumerate(sources, start=1):
                rest = path[len(prefix) :]
                if path[: len(prefix)] == prefix and rest and winner.get(rest[0]) == number:
                    kept.append(((*frame.path, *rest), origin, is_key))
        self.entries[frame.start :] = kept

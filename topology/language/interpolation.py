"""`${VAR}` and `${VAR:-default}` in routing.yaml values, from the environment; `$$` is a literal `$`.

Names of objects, and values that refer to them, are never interpolated: a name that changes with the
environment makes the topology (and what inspect compares) differ per host without the file saying so.
A value that is one whole `${...}` is read again as a YAML scalar, so `${MAX:-1000}` is a number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from topology.model import Problem

if TYPE_CHECKING:
    from topology.language.yaml_source import Path, Positions

_TOKEN = re.compile(r"\$\$|\$\{([^}]*)\}?")
_EXPRESSION = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$", re.DOTALL)
WILD = "*"
SECTIONS = ("exchanges", "queues", "routes", "schedule")
# Values that name an object; `*` stands for any mapping key or list index.
NAME_VALUES: tuple[Path, ...] = (
    ("default_queue",),
    ("app",),
    ("routes", WILD),
    ("routes", WILD, "queue"),
    ("routes", WILD, "exchange"),
    ("schedule", WILD, "task"),
    ("schedule", WILD, "queue"),
    ("exchanges", WILD, "alternate_exchange"),
    ("exchanges", WILD, "bindings", WILD, "exchange"),
    ("queues", WILD, "bindings", WILD, "exchange"),
    ("queues", WILD, "dead_letter_exchange"),
)


@dataclass(frozen=True)
class Interpolated:
    data: Any
    problems: list[Problem]


def interpolate(data: Any, positions: Positions, environ: Mapping[str, str]) -> Interpolated:
    problems: list[Problem] = []
    result = _Interpolator(positions, environ, problems).value(data, ())
    return Interpolated(result, problems)


def referenced_variables(text: str) -> frozenset[str]:
    """The environment variables a file's `${...}` tokens read: what its interpolated values depend on."""
    names = (_EXPRESSION.match(token.group(1) or "") for token in _TOKEN.finditer(text))
    return frozenset(match.group(1) for match in names if match is not None)


def _is_name_value(path: Path) -> bool:
    return any(
        len(pattern) == len(path) and all(p in (WILD, part) for p, part in zip(pattern, path, strict=True))
        for pattern in NAME_VALUES
    )


@dataclass(frozen=True)
class _Interpolator:
    positions: Positions
    environ: Mapping[str, str]
    problems: list[Problem]

    def value(self, data: Any, path: Path) -> Any:
        if isinstance(data, dict):
            for key in data:
                if len(path) == 1 and path[0] in SECTIONS and isinstance(key, str) and "${" in key:
                    self._name_problem(str(path[0]).rstrip("s") + " name", (*path, key), key=True)
            return {key: self.value(item, (*path, key)) for key, item in data.items()}
        if isinstance(data, list):
            return [self.value(item, (*path, i)) for i, item in enumerate(data)]
        if isinstance(data, str) and "$" in data:
            if _is_name_value(path):
                if "${" in data:
                    self._name_problem(f"{path[-1]!r}", path)
                return data
            return self.text(data, path)
        return data

    def _name_problem(self, what: str, path: Path, *, key: bool = False) -> None:
        origin = self.positions.of_key(path) if key else self.positions.of_value(path)
        self.problems.append(
            Problem(f"{what} uses ${{...}}, but names are never taken from the environment: write the name", origin)
        )

    def text(self, text: str, path: Path) -> Any:
        whole = _TOKEN.fullmatch(text)
        pieces: list[str] = []
        position = 0
        for token in _TOKEN.finditer(text):
            pieces.append(text[position : token.start()])
            position = token.end()
            replacement = self.token(token, path)
            if replacement is None:
                return text
            pieces.append(replacement)
        pieces.append(text[position:])
        result = "".join(pieces)
        if whole is not None and whole.group(0) != "$$":
            try:
                return _as_scalar(result)
            except ValueError as error:
                self.problems.append(Problem(f"{text}: {error}", self.positions.of_value(path)))
                return None
        return result

    def token(self, token: re.Match[str], path: Path) -> str | None:
        if token.group(0) == "$$":
            return "$"
        expression = _EXPRESSION.match(token.group(1)) if token.group(0).endswith("}") else None
        if expression is None:
            self.problems.append(
                Problem(
                    f"{token.group(0)!r} is not an interpolation: write ${{NAME}} or ${{NAME:-default}} "
                    "(and $$ for a literal $)",
                    self.positions.of_value(path),
                )
            )
            return None
        name, default = expression.groups()
        value = self.environ.get(name)
        if value:
            return value
        if default is not None:
            return default
        self.problems.append(
            Problem(
                f"environment variable {name} is not set: set it, or give a default with ${{{name}:-value}}",
                self.positions.of_value(path),
            )
        )
        return None


def _as_scalar(text: str) -> Any:
    """'1000' -> 1000, 'true' -> True, as if written in the file; anything else stays text.
    ValueError for a whole number out of the range the file allows."""
    from topology.language.yaml_source import plain_scalar  # here: a cached check needs no YAML

    value = plain_scalar(text.strip())
    return value if isinstance(value, (int, float, bool)) else text

"""Find, read and check routing.yaml: a Topology with its warnings, or InvalidTopology listing every error."""

from __future__ import annotations

import os
import stat
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from topology.checks.versions import Target, target
from topology.errors import InvalidTopology
from topology.language.cache import cache_directory, cached, entry_key
from topology.language.interpolation import interpolate, referenced_variables
from topology.model import Origin, Problem, Severity, Topology

DEFAULT_FILE = "routing.yaml"
FILE_ENV = "TOPOLOGY_FILE"


@dataclass(frozen=True)
class Loaded:
    topology: Topology
    warnings: tuple[Problem, ...]
    target: Target | None = None  # the RabbitMQ version the rules were checked against (None: left for the broker)


def topology_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`-f/--file` if given, else $TOPOLOGY_FILE, else ./routing.yaml."""
    return Path(explicit or os.environ.get(FILE_ENV) or DEFAULT_FILE)


def load(
    path: str | os.PathLike[str] | None = None,
    *,
    registered: Collection[str] | None = None,
    environ: Mapping[str, str] | None = None,
    rabbitmq: str | None = None,
    versioned: bool = True,
) -> Loaded:
    """Read and check the file; `registered` (the Celery app's task names) adds the task-name checks.
    RabbitMQ's rules are checked against `rabbitmq` (a supported series), else the file's `rabbitmq:`, else
    the newest series; `versioned=False` leaves them for when the broker tells its version.

    Without task names the result depends only on the text, its path, the environment and those two: it is
    cached."""
    file = topology_path(path)
    text = read_file(file)
    environ = os.environ if environ is None else environ

    def checked() -> Loaded:
        return check_text(
            text, str(file), registered=registered, environ=environ, rabbitmq=rabbitmq, versioned=versioned
        )

    if registered is not None:
        return checked()
    key = entry_key(text, str(file), referenced_variables(text), environ, (f"{rabbitmq}", f"{versioned}"))
    return cached(cache_directory(os.environ), key, checked)


def read_file(file: Path) -> str:
    """The file's text. Only a regular file of at most MAX_FILE_BYTES is read: opened without blocking
    (a FIFO would wait for a writer forever) and refused if it is a FIFO, a device (/dev/zero never
    ends) or a directory, before a byte is read."""
    where = Origin(str(file), 1, 1)
    try:
        descriptor = os.open(file, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise InvalidTopology([Problem(f"cannot read the topology file: {error.strerror}", where)]) from None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
        raise InvalidTopology([Problem(f"cannot read the topology file: it is {kind}, not a regular file", where)])
    with os.fdopen(descriptor, "rb") as stream:
        try:
            # at most one byte past the limit, whatever st_size said: the file may grow while it is read
            data = b"" if info.st_size > MAX_FILE_BYTES else stream.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise InvalidTopology([Problem(f"cannot read the topology file: {error.strerror}", where)]) from None
    size = max(info.st_size, len(data))
    if size > MAX_FILE_BYTES:
        message = f"the topology file is {size:,} bytes, more than the {MAX_FILE_BYTES:,} (20 MB) a file may be"
        raise InvalidTopology([Problem(message, where)])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = len(data[data.rfind(b"\n", 0, error.start) + 1 : error.start].decode("utf-8", "replace")) + 1
        problem = f"the file is not UTF-8 text: byte 0x{data[error.start]:02x} cannot be read ({error.reason})"
        raise InvalidTopology([Problem(problem, Origin(str(file), line, column))]) from None


MAX_FILE_BYTES = 20_000_000
"""The largest topology file read (20 MB, as rabbitmq.conf counts): far more than any real topology takes;
within it, the reader's own limits (MAX_DEPTH, MAX_VALUES) bound the time and memory a file can cost."""
_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def load_topology(path: str | os.PathLike[str] | None = None) -> Topology:
    return load(path).topology


def parse_topology(text: str, file: str = DEFAULT_FILE) -> Topology:
    return check_text(text, file).topology


def check_text(
    text: str,
    file: str = DEFAULT_FILE,
    *,
    registered: Collection[str] | None = None,
    environ: Mapping[str, str] | None = None,
    rabbitmq: str | None = None,
    versioned: bool = True,
) -> Loaded:
    # Imported here: a cached file needs neither the YAML reader nor the schema (docs/performance.md).
    from topology.checks.suite import check_references, check_topology
    from topology.language.problems import parse_document
    from topology.language.to_model import to_topology
    from topology.language.yaml_source import read_yaml

    source = read_yaml(text, file)
    if source.data is None and source.problems:
        raise InvalidTopology(source.problems)
    interpolated = interpolate(source.data, source.positions, os.environ if environ is None else environ)
    parsed = parse_document(interpolated.data, source.positions)
    later = parsed.problems
    if parsed.document is None:
        partial = to_topology(parsed.partial, source.positions) if parsed.partial is not None else None
        whole = partial is not None and all(p.message.startswith(UNKNOWN_KEY) for p in parsed.problems)
        if partial is not None and whole:  # only unknown keys set aside: all else means what it says
            aimed = target(rabbitmq, partial.rabbitmq) if versioned else None
            later += check_topology(partial, registered, aimed.rules if aimed is not None else None)
        elif partial is not None:  # a setting set aside may change what routes do: only names are checked
            later += check_references(partial)
        problems = source.problems + interpolated.problems + _besides(later, source.problems + interpolated.problems)
        raise InvalidTopology(problems, partial if whole else None)
    topology = to_topology(parsed.document, source.positions)
    aimed = target(rabbitmq, topology.rabbitmq) if versioned else None
    later += check_topology(topology, registered, aimed.rules if aimed is not None else None)
    problems = source.problems + interpolated.problems + _besides(later, source.problems + interpolated.problems)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise InvalidTopology(problems)
    return Loaded(topology, tuple(InvalidTopology(problems).problems), aimed)


UNKNOWN_KEY = "unknown key"
"""How the schema's message for a key it does not know begins (`language.problems`): a file whose only
schema problems are such keys is checked whole, as if they were not there."""


def _besides(problems: list[Problem], reading: list[Problem]) -> list[Problem]:
    """A value that could not be read or interpolated is reported once: not again for what it then fails to be."""
    failed = {p.origin for p in reading}
    return [p for p in problems if p.origin not in failed]


def with_task_names(loaded: Loaded, registered: Collection[str]) -> Loaded:
    """`loaded` checked for what the Celery app's task names add (routes followed for each of them, every
    route and schedule entry naming one), without reading or checking the file again."""
    from topology.checks.routes import check_routes, check_task_names

    topology = loaded.topology
    found = [*check_routes(topology, registered), *check_task_names(topology, registered)]
    problems = list(dict.fromkeys([*loaded.warnings, *found]))
    if any(p.severity is Severity.ERROR for p in problems):
        raise InvalidTopology(problems)
    return Loaded(topology, tuple(InvalidTopology(problems).problems), loaded.target)

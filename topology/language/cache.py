"""Results of checking a topology file, kept between runs: CI re-applies the same routing.yaml on every deploy.

Reading and checking a large file takes many times longer than loading the pickled result (figures:
docs/performance.md). The key covers everything the check reads: the file's text and
path, the values of the environment variables it interpolates, this package's code, the parser libraries
and the Python version. The cache can make a run faster, never change its result: an entry that cannot
be read or written is ignored. Entries are readable by their owner only.

$TOPOLOGY_CACHE_DIR moves it (default $XDG_CACHE_HOME/celery-topology, else ~/.cache/celery-topology);
TOPOLOGY_CACHE=off turns it off.
"""

from __future__ import annotations

import gc
import hashlib
import importlib.util
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
FORMAT = b"1"
KEPT_ENTRIES = 64
# Libraries whose behaviour the checked result depends on, besides this package.
_PARSERS = ("yaml", "pydantic", "pydantic_core")


def cache_directory(environ: Mapping[str, str]) -> Path | None:
    if environ.get("TOPOLOGY_CACHE", "").lower() in {"0", "off", "false", "no"}:
        return None
    if environ.get("TOPOLOGY_CACHE_DIR"):
        return Path(environ["TOPOLOGY_CACHE_DIR"])
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "celery-topology"


def entry_key(
    text: str, file: str, variables: Iterable[str], environ: Mapping[str, str], options: Iterable[str] = ()
) -> str:
    """A digest of the text, its path, the values (never stored) of the variables it interpolates, and the
    options the check was made with."""
    digest = hashlib.sha256(FORMAT + _code_fingerprint())
    for part in (file, text, *(f"{name}={environ.get(name)!r}" for name in sorted(variables)), *options):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def cached(directory: Path | None, key: str, compute: Callable[[], T]) -> T:
    """The stored result for `key`, else `compute()`, stored. An exception from `compute` is never stored."""
    if directory is None:
        return compute()
    entry = directory / f"{key}.pickle"
    found = _read(entry)
    if found is not None:
        return found  # type: ignore[no-any-return]
    result = compute()
    _write(directory, entry, result)
    return result


def _code_fingerprint() -> bytes:
    """Names, sizes and modification times of this package's modules (every sub-package's too) and of the
    parsers' packages."""
    package = Path(__file__).resolve().parents[1]
    origins = [*package.rglob("*.py")]
    for name in _PARSERS:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            origins.append(Path(spec.origin))
    stats = []
    for path in sorted(origins):
        with suppress(OSError):
            stat = path.stat()
            stats.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join([sys.version, *stats]).encode()


def _read(entry: Path) -> Any:
    try:
        with open(entry, "rb") as stream:
            if os.fstat(stream.fileno()).st_uid != os.getuid():
                return None  # only ever unpickle what this user wrote
            with _collector_paused():
                return pickle.load(stream)
    except Exception:  # absent, truncated, or from an incompatible version: compute it again
        return None


def _write(directory: Path, entry: Path, result: object) -> None:
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")  # created 0600
    except OSError:
        return
    try:
        with os.fdopen(descriptor, "wb") as stream:
            pickle.dump(result, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)  # atomic: a concurrent run reads the old entry or the new, never half
    except (OSError, pickle.PicklingError):
        with suppress(OSError):
            os.unlink(temporary)
        return
    _keep_newest(directory)


def _keep_newest(directory: Path) -> None:
    with suppress(OSError):  # another run may be pruning the same entries
        entries = sorted(directory.glob("*.pickle"), key=lambda path: path.stat().st_mtime_ns, reverse=True)
        for stale in entries[KEPT_ENTRIES:]:
            stale.unlink()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Unpickling allocates ~10^5 objects that all live on: cyclic collection meanwhile only costs (3x)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

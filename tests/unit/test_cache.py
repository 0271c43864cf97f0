"""The cache of checked files: used when nothing the check reads has changed, never otherwise."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from topology.errors import InvalidTopology
from topology.language import loader
from topology.language.loader import load
from topology.model import Queue, Topology

FILE = """\
exchanges:
  tasks: {type: direct}
queues:
  work:
    message_ttl: ${TTL:-1000ms}
    bindings: [{exchange: tasks, routing_key: work}]
default_queue: work
"""


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.pickle"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "own-cache"
    monkeypatch.setenv("TOPOLOGY_CACHE_DIR", str(directory))
    monkeypatch.delenv("TTL", raising=False)
    return directory


@pytest.fixture
def routing_file(tmp_path: Path) -> Path:
    path = tmp_path / "routing.yaml"
    path.write_text(FILE)
    return path


def _checking_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, a load that checks the file again fails: only a cache hit can succeed."""

    def checked_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was checked again instead of read from the cache")

    monkeypatch.setattr(loader, "check_text", checked_again)


def work_queue(topology: Topology) -> Queue:
    queue = topology.queue("work")
    assert queue is not None
    return queue


def test_a_second_load_reads_the_cache_and_gets_the_same_result(
    cache: Path, routing_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load(routing_file)
    [entry] = entries(cache)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    _checking_fails(monkeypatch)
    assert load(routing_file) == first


def test_changed_text_or_interpolated_variable_is_checked_again(
    cache: Path, routing_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert work_queue(load(routing_file).topology).arguments["x-message-ttl"] == 1000
    monkeypatch.setenv("TTL", "5s")
    assert work_queue(load(routing_file).topology).arguments["x-message-ttl"] == 5000
    routing_file.write_text(FILE.replace("routing_key: work", "routing_key: work.again"))
    loaded = load(routing_file)
    assert work_queue(loaded.topology).bindings[0].routing_key == "work.again"
    assert len(entries(cache)) == 3
    monkeypatch.setenv("UNRELATED_VARIABLE", "x")  # not read by the file: still a hit
    _checking_fails(monkeypatch)
    assert load(routing_file) == loaded


def test_an_unreadable_entry_is_ignored(cache: Path, routing_file: Path) -> None:
    first = load(routing_file)
    [entry] = entries(cache)
    entry.write_bytes(b"not a pickle")
    assert load(routing_file) == first
    assert entry.read_bytes() != b"not a pickle"  # written again


@pytest.mark.skipif(os.getuid() != 0, reason="giving an entry to another user needs root")
def test_an_entry_of_another_user_is_never_unpickled(
    cache: Path, routing_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load(routing_file)
    [entry] = entries(cache)
    os.chown(entry, 65534, 65534)
    calls: list[str] = []
    check_text = loader.check_text

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append("checked")
        return check_text(*args, **kwargs)

    monkeypatch.setattr(loader, "check_text", counted)
    assert load(routing_file) == first
    assert calls == ["checked"]


def test_invalid_files_are_never_cached(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(FILE.replace("exchange: tasks", "exchange: taks"))
    for _ in range(2):
        with pytest.raises(InvalidTopology, match="taks"):
            load(path)
    assert entries(cache) == []


def test_turned_off(cache: Path, routing_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOPOLOGY_CACHE", "off")
    load(routing_file)
    assert not cache.exists()


@pytest.mark.parametrize("folder", ["checks", "language", "broker", "."])
def test_a_module_added_in_any_sub_package_keys_checks_anew(folder: str) -> None:
    """The key covers every sub-package: a checked result kept from before a code change is never reused."""
    from topology.language import cache as cache_module

    package = Path(cache_module.__file__).resolve().parents[1]
    before = cache_module.entry_key("text", "routing.yaml", (), {})
    added = package / folder / f"_fingerprint_probe_{os.getpid()}.py"
    added.write_text("")
    try:
        assert cache_module.entry_key("text", "routing.yaml", (), {}) != before
    finally:
        added.unlink()
    assert cache_module.entry_key("text", "routing.yaml", (), {}) == before

"""What changed since the last apply: the record `apply` leaves on the broker, and what plan and inspect
say of it. Pure.

`apply` records when it ran, the file's SHA-256 and, in a git checkout, the commit, in the vhost itself:
an argument (`x-topology-last-apply`, JSON text) of an internal fanout exchange, `topology.last-apply`,
which nothing can publish to and nothing is bound to. So the record goes with its vhost: a vhost deleted
and made again has none (a global parameter, used before, outlived it and spoke of a vhost that was gone).
It is read with the vhost's definitions (no request of its own), written with the configure permission
`apply` has anyway, and left out of the state every command compares (`observed.from_definitions`). An
exchange's arguments cannot change: `apply` deletes the record and declares it again. Vhost metadata would
hold only a description (the user's own) and tags, which RabbitMQ 3.x keeps as Erlang atoms, never to be
freed; a vhost-scoped runtime parameter needs a component a plugin registers.

Against the file as it is now and the plan's findings, the record tells the two changes apart: the file
changed (its hash differs: the commits and the `git diff` between them), or the broker changed (the hash is
the same, yet the plan finds differences: someone changed the broker by hand).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

RECORD_EXCHANGE = "topology.last-apply"
RECORD_ARGUMENT = "x-topology-last-apply"
LEGACY_PARAMETER_PREFIX = "celery-topology.last-apply."
"""The global parameter earlier versions recorded in: `apply` deletes its vhost's when it records."""
SHORT = 12  # characters of a hash or commit shown, as `git log --oneline` would


@dataclass(frozen=True)
class Source:
    """The file as it is now: its path, its SHA-256, and the git commit it is checked out at."""

    file: str
    sha256: str
    commit: str | None = None  # None: not in a git checkout (or git is not installed)
    dirty: bool = False  # the file differs from that commit


@dataclass(frozen=True)
class ApplyRecord:
    applied_at: str  # ISO 8601, UTC
    file: str
    sha256: str
    commit: str | None
    dirty: bool
    owner: str

    def argument(self) -> str:
        """The record as the record exchange's argument holds it."""
        return json.dumps(asdict(self), sort_keys=True)

    def data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_argument(cls, text: object) -> ApplyRecord | None:
        """The record, or None when the argument holds something else (written by hand, or another version)."""
        try:
            value = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            return None
        if not isinstance(value, Mapping):
            return None
        try:
            return cls(
                str(value["applied_at"]),
                str(value["file"]),
                str(value["sha256"]),
                value.get("commit"),
                bool(value.get("dirty", False)),
                str(value.get("owner", "")),
            )
        except KeyError:
            return None


def record_for(source: Source, applied_at: str, owner: str) -> ApplyRecord:
    return ApplyRecord(applied_at, source.file, source.sha256, source.commit, source.dirty, owner)


@dataclass(frozen=True)
class SinceLastApply:
    """What changed since the last apply, in one line for people and fields for programs."""

    record: ApplyRecord | None
    file_changed: bool
    broker_changed: bool
    message: str

    def data(self) -> dict[str, Any]:
        return {
            "last_apply": self.record.data() if self.record else None,
            "file_changed": self.file_changed,
            "broker_changed": self.broker_changed,
            "message": self.message,
        }


def since_last_apply(record: ApplyRecord | None, source: Source, differs: bool, unreadable: str = "") -> SinceLastApply:
    """`differs`: the plan (or inspect) found the broker and the file apart; `unreadable`: why there is no
    record to read, when the broker would not say."""
    if record is None:
        message = unreadable or "no apply recorded on this vhost (`apply` records when it ran and the file's hash)"
        return SinceLastApply(None, False, False, message)
    when = f"last apply {record.applied_at}"
    if record.sha256 != source.sha256:
        commits = _commits(record, source)
        files = f"file hash {record.sha256[:SHORT]} -> {source.sha256[:SHORT]}"
        message = f"{source.file} changed since the last apply ({when}; {commits}{files})"
        if record.commit and source.commit and record.commit != source.commit and not source.dirty:
            message += f": `git diff {record.commit[:SHORT]} {source.commit[:SHORT]} -- {source.file}`"
        return SinceLastApply(record, True, False, message)
    if differs:
        message = (
            f"the broker changed since the last apply ({when}, file hash {source.sha256[:SHORT]} unchanged): "
            "the differences found were made on the broker, not in the file"
        )
        return SinceLastApply(record, False, True, message)
    at = f", commit {record.commit[:SHORT]}" if record.commit else ""
    return SinceLastApply(record, False, False, f"unchanged since the last apply ({when}{at})")


def _commits(record: ApplyRecord, source: Source) -> str:
    if not record.commit and not source.commit:
        return ""
    before = _commit(record.commit, record.dirty)
    now = _commit(source.commit, source.dirty)
    return f"commit {before} -> {now}, "


def _commit(commit: str | None, dirty: bool) -> str:
    if commit is None:
        return "none"
    return f"{commit[:SHORT]}{' with uncommitted changes' if dirty else ''}"

"""The file's identity (hash, git commit) and the apply record on the broker, for apply, plan and inspect.

Reading or writing the record never fails a command: a broker that will not say (no management API, a user
without the administrator tag) leaves a note instead.
"""

from __future__ import annotations

import hashlib
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from topology.broker.session import Session
from topology.errors import BrokerUnavailable
from topology.planning.history import (
    ApplyRecord,
    SinceLastApply,
    Source,
    parameter_name,
    record_for,
    since_last_apply,
)

GIT_TIMEOUT_SECONDS = 5.0


def source_of(path: Path) -> Source:
    """The file's SHA-256, and the commit of the git checkout it is in (with whether it differs from it)."""
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    commit = _git(path.parent, "rev-parse", "HEAD")
    dirty = bool(commit and _git(path.parent, "status", "--porcelain", "--", path.name))
    return Source(str(path), sha256, commit or None, dirty)


def _git(directory: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""  # no git, or a checkout too slow to ask: the record then has no commit
    return done.stdout.strip() if done.returncode == 0 else ""


def since(session: Session, source: Source, *, differs: bool) -> SinceLastApply:
    try:
        value = session.global_parameter(parameter_name(session.settings.vhost))
    except BrokerUnavailable as error:
        return since_last_apply(None, source, differs, f"the last apply is not known: {error}")
    return since_last_apply(ApplyRecord.from_value(value), source, differs)


def record(session: Session, source: Source, owner: str) -> str:
    """Record this apply on the broker: '' when done, else why not (for the apply's note)."""
    applied_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    value = record_for(source, applied_at, owner).value()
    try:
        session.put_global_parameter(parameter_name(session.settings.vhost), value)
    except BrokerUnavailable as error:
        return f"this apply was not recorded on the broker: {error}"
    return ""

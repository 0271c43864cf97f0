"""The file's identity (hash, git commit) and the apply record on the broker, for apply, plan and inspect.

Reading or writing the record never fails a command: a broker that will not say (no management API) leaves a
note instead. The record lives in the vhost (`planning.history`): it is read with the vhost's state.
"""

from __future__ import annotations

import hashlib
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from topology.broker.session import Session
from topology.errors import BrokerUnavailable
from topology.planning.history import ApplyRecord, SinceLastApply, Source, record_for, since_last_apply

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


def since(recorded: ApplyRecord | None, unseen: str, source: Source, *, differs: bool) -> SinceLastApply:
    """`recorded`: the record read with the vhost; `unseen`: why the vhost could only be read over AMQP (the
    record then cannot be read)."""
    unreadable = f"the last apply is not known: {unseen}" if unseen else ""
    return since_last_apply(recorded, source, differs, unreadable)


def record(session: Session, source: Source, owner: str) -> str:
    """Record this apply in the vhost: '' when done, else why not (for the apply's note)."""
    applied_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    try:
        session.record_apply(record_for(source, applied_at, owner))
    except BrokerUnavailable as error:
        return f"this apply was not recorded on the broker: {error}"
    return ""

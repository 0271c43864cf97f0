"""One thing a command found on the broker, about one object, with the fix. Pure.

What the finding is, how severe and whether it fails its command is its `Code` (`topology.codes`): the
finding itself carries only what it is about and what to tell the user.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from topology.codes import Code, ExitCode, Severity, exit_code
from topology.model import Ref
from topology.planning.plan import Mismatch


@dataclass(frozen=True)
class Finding:
    """One difference or diagnosis: a missing, extra or differing object, or one property of it (`mismatch`)."""

    code: Code
    ref: Ref
    message: str
    fix: str = ""
    mismatch: Mismatch | None = None

    @property
    def severity(self) -> Severity:
        return self.code.severity


def findings_exit_code(findings: Iterable[Finding], *, require_consumers: bool = False) -> ExitCode:
    """What the findings make of a command's exit code (`topology.codes.Gate`)."""
    return exit_code((f.code for f in findings), require_consumers=require_consumers)

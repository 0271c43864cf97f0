"""What every command returns: its report (data only), its exit code, and the broker and vhost it touched.

The CLI renders a Result and computes nothing from it: every figure, verdict and exit code is decided here,
in the commands (`cli/render/` turns each report into text or the JSON envelope).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Generic, TypeVar

from topology.codes import ExitCode

if TYPE_CHECKING:
    from topology.broker.settings import Settings

R = TypeVar("R")

Confirm = Callable[[str], bool]
"""Asked before a step that deletes (`apply --recreate` and `--prune`, `dead-letters --discard`): given what
it will do, whether to go on. The CLI asks on a terminal, takes --yes in scripts, and refuses otherwise."""


@dataclass(frozen=True)
class Result(Generic[R]):
    report: R
    exit_code: ExitCode
    broker: str | None = None  # the AMQP node the command talked to, never with its password
    vhost: str | None = None  # the vhost it read, changed, or wrote definitions for

    def on(self, settings: Settings) -> Result[R]:
        """This result, as made on the broker and vhost of `settings`."""
        return replace(self, broker=str(settings.broker), vhost=settings.vhost)

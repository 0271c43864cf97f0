"""What every command returns: its report, for the CLI to print, and its exit code."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Generic, TypeVar

R = TypeVar("R")


class ExitCode(IntEnum):
    OK = 0  # ok, in sync, nothing to do
    DIFFERS = 1  # drift (inspect), changes pending (plan), conflict (apply), warnings with --strict
    INVALID = 2  # invalid routing.yaml, settings or usage
    UNAVAILABLE = 3  # broker or management API unreachable or refused


@dataclass(frozen=True)
class Result(Generic[R]):
    report: R
    exit_code: ExitCode

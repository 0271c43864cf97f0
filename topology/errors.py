"""Errors a user can act on. Each carries the CLI exit code it maps to; none needs a traceback."""

from __future__ import annotations

from typing import TYPE_CHECKING

from topology.codes import ExitCode

if TYPE_CHECKING:
    from topology.model import Problem, Topology


class TopologyError(Exception):
    exit_code = ExitCode.DIFFERS


class InvalidTopology(TopologyError):
    """routing.yaml (or a command's input) is wrong: every problem found, each with its file:line:col."""

    exit_code = ExitCode.INVALID

    def __init__(self, problems: list[Problem], checked: Topology | None = None) -> None:
        """`checked`: the file as checked in spite of its problems (only unknown keys left out), for the
        checks a command adds (the app's task names): every independent problem in one run."""
        self.problems = sorted(problems, key=lambda p: (p.origin.line, p.origin.column) if p.origin else (0, 0))
        self.checked = checked
        super().__init__("\n".join(str(p) for p in self.problems))


class InvalidUsage(TopologyError):
    """A command's arguments name what does not exist (a task, a queue), or ask what cannot be done."""

    exit_code = ExitCode.INVALID


class InvalidSettings(TopologyError):
    """A broker or management URL that cannot be right (wrong scheme, no host)."""

    exit_code = ExitCode.INVALID


class ToolMissing(TopologyError):
    """A program a command runs (Graphviz's `dot`) is not installed, or failed."""

    exit_code = ExitCode.INVALID


class BrokerUnavailable(TopologyError):
    """RabbitMQ (AMQP or its management API) cannot be reached or refused us; the message says the fix."""

    exit_code = ExitCode.UNAVAILABLE


class ManagementUnreachable(BrokerUnavailable):
    """No answer from the management API at all (plugin disabled, port closed): AMQP may still work."""


class ConnectionLost(BrokerUnavailable):
    """The connection went away mid-run: some operations may have been made, the rest not."""


class NotPermitted(BrokerUnavailable):
    """The management API knows the user but a request needs a tag it lacks (administrator, monitoring...)."""

"""`routes`: where each task goes, by routing.yaml, or (`--live`) through the bindings on the broker.

The tasks are those named, else every task the app registers (or the file names); a name neither knows is
refused with the closest known one (`Checked.require_known`), as `graph --focus` and `replay --task` do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from topology.broker.session import Session
from topology.codes import ExitCode
from topology.commands.result import Result
from topology.commands.validate import Checked, check, refuse_urls
from topology.model import Problem
from topology.planning.live_routes import LiveRoute, live_routes
from topology.routing import NOTHING_NAMED, Named, TaskRoute, task_route


@dataclass(frozen=True)
class RoutesReport:
    checked: Checked
    routes: tuple[TaskRoute, ...]
    unknown: tuple[Problem, ...] = ()  # task names asked about that only the app might know

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return (*self.checked.loaded.warnings, *self.unknown)


@dataclass(frozen=True)
class LiveRoutesReport:
    checked: Checked
    routes: tuple[LiveRoute, ...]
    unknown: tuple[Problem, ...] = ()  # task names asked about that only the app might know

    @property
    def differs(self) -> bool:
        """Some task goes where routing.yaml does not send it, or not where it does."""
        return any(route.captured or route.lost for route in self.routes)


def routes_command(
    file: str | None, app: str | None, names: Sequence[str] = (), call: Named = NOTHING_NAMED
) -> Result[RoutesReport]:
    """`call`: what a call names (`--queue`, `--exchange`, `--routing-key`); the tasks' own options count when
    the app is known."""
    for key, value in call.items():
        refuse_urls(f"--{key.replace('_', '-')}", [value])
    checked = check(file, app)
    unknown = checked.require_known(names, "TASK")
    topology = checked.loaded.topology
    own = checked.tasks.options if checked.tasks is not None else {}
    rows = tuple(task_route(topology, name, call, own.get(name)) for name in names or checked.task_names)
    return Result(RoutesReport(checked, rows, unknown), ExitCode.OK)


def live_routes_command(checked: Checked, session: Session, names: Sequence[str] = ()) -> Result[LiveRoutesReport]:
    """Exit 1 when the broker's bindings send some task elsewhere than routing.yaml does; BrokerUnavailable
    (exit 3) without the management API, the only one that lists bindings."""
    unknown = checked.require_known(names, "TASK")
    topology = checked.loaded.topology
    state = session.state(topology, check_properties=False)
    if session.unreachable is not None:
        raise session.unreachable
    report = LiveRoutesReport(checked, tuple(live_routes(topology, state, names or checked.task_names)), unknown)
    return Result(report, ExitCode.DIFFERS if report.differs else ExitCode.OK).on(session.settings)

"""`dead-letters` and `replay`: the tasks the nets keep, listed without being consumed, and sent again.

A replayed task follows routing.yaml's routes as they are now, which loading the file proved (as `validate`
does) to reach a queue other than the nets'. Since the route is followed on the broker, not in the file,
replay first checks that the broker matches the file (as `plan` would) and refuses while it does not.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from topology.broker.recover import Advance, Decision, Read, Replayed, read_kept, replay_kept
from topology.broker.session import Session
from topology.commands.plan import read_plan
from topology.commands.result import ExitCode, Result
from topology.errors import InvalidTopology
from topology.model import Problem, Topology
from topology.planning.kept import KeptTask, Net, matches
from topology.planning.plan import Change
from topology.routing import route_destination, route_for

NOT_CHOSEN = "not chosen"


@dataclass(frozen=True)
class KeptReport:
    net: Net
    queue: str
    read: Read


@dataclass(frozen=True)
class ReplayReport:
    net: Net
    queue: str
    outcome: Replayed | None  # None: refused before anything was read
    pending: tuple[Change, ...] = ()  # what the broker lacks of routing.yaml, when refused for it

    @property
    def stayed(self) -> list[tuple[KeptTask, str]]:
        """Chosen tasks that could not be replayed, and why."""
        return [(k, why) for k, why in self.outcome.kept if why != NOT_CHOSEN] if self.outcome else []


def net_queue(topology: Topology, net: Net) -> str:
    queue = net.queue(topology.nets)
    if queue is None:
        key = "unroutable" if net is Net.UNROUTABLE else "dead_letters"
        raise InvalidTopology([Problem(f"routing.yaml opts out of this net (`{key}: false`): nothing is kept")])
    return queue


def list_kept(topology: Topology, session: Session, net: Net, limit: int | None) -> Result[KeptReport]:
    queue = net_queue(topology, net)
    return Result(KeptReport(net, queue, read_kept(session.settings, queue, limit)), ExitCode.OK)


def replay(
    topology: Topology,
    session: Session,
    net: Net,
    tasks: Collection[str] = (),
    ids: Collection[str] = (),
    progress: Callable[[int], Advance] | None = None,
) -> Result[ReplayReport]:
    """Exit 0 when every chosen task was replayed; 1 when some stay (not routable, interrupted) or the broker
    does not match routing.yaml (then nothing is replayed)."""
    queue = net_queue(topology, net)
    planned = read_plan(topology, session)
    pending = (*planned.pending, *planned.conflicts)
    if pending:
        return Result(ReplayReport(net, queue, None, pending), ExitCode.DIFFERS)

    def decide(kept: KeptTask) -> Decision:
        return destination(topology, kept) if matches(kept, tasks, ids) else NOT_CHOSEN

    outcome = replay_kept(session.settings, queue, decide, progress)
    report = ReplayReport(net, queue, outcome)
    return Result(report, ExitCode.DIFFERS if report.stayed or outcome.interrupted else ExitCode.OK)


def destination(topology: Topology, kept: KeptTask) -> Decision:
    """Where routing.yaml sends the task now (loading the file proved that every route reaches a queue other
    than the nets'), or why it cannot be sent again."""
    if kept.task is None:
        return "not a Celery task message (no task header)"
    return (
        route_destination(topology, route_for(topology, kept.task), kept.task) or "routing.yaml names no queue for it"
    )

"""`dead-letters` and `replay`: the tasks the nets keep, listed without being consumed, sent again, or
(`dead-letters --discard`) dropped on purpose.

A replayed task follows routing.yaml's routes as they are now, which loading the file proved (as `validate`
does) to reach a queue other than the nets'. Since the route is followed on the broker, not in the file,
replay first checks that the broker matches the file (as `plan` would) and refuses while it does not.

Tasks are chosen by name (`--task`, checked as `routes TASK` checks names: one nobody knows is refused with
the closest known one, a task kept in the net counting as known) or by id (`--id`); a name or id that
chooses no kept task is said, and the command exits 1.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from topology.broker.recover import Advance, Decision, Discarded, Read, Replayed, discard_kept, read_kept, replay_kept
from topology.broker.session import Session
from topology.codes import ExitCode
from topology.commands.plan import read_plan
from topology.commands.result import Confirm, Result
from topology.commands.validate import Checked
from topology.errors import InvalidTopology, InvalidUsage
from topology.hints import counted
from topology.model import Problem, Topology
from topology.planning.kept import KeptTask, Net, matches
from topology.planning.plan import Change
from topology.routing import route_destination, route_for

NOT_CHOSEN = "not chosen"


@dataclass(frozen=True)
class Choice:
    """Which kept tasks a command acts on: by name, by id, or (neither given) all of them."""

    tasks: Collection[str] = ()
    ids: Collection[str] = ()

    def chooses(self, kept: KeptTask) -> bool:
        return matches(kept, self.tasks, self.ids)

    def unmatched(self, kept: Collection[KeptTask]) -> tuple[str, ...]:
        """The names and ids given that choose none of `kept`."""
        names, ids = {k.task for k in kept}, {k.id for k in kept}
        return (
            *(f"no kept task named {name!r}" for name in self.tasks if name not in names),
            *(f"no kept task with id {i!r}" for i in self.ids if i not in ids),
        )


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
    unmatched: tuple[str, ...] = ()  # the names and ids given that chose no kept task

    @property
    def stayed(self) -> list[tuple[KeptTask, str]]:
        """Chosen tasks that could not be replayed, and why."""
        return [(k, why) for k, why in self.outcome.kept if why != NOT_CHOSEN] if self.outcome else []

    @property
    def left(self) -> int:
        """The tasks still in the queue that were not chosen."""
        return sum(1 for _, why in self.outcome.kept if why == NOT_CHOSEN) if self.outcome else 0


@dataclass(frozen=True)
class DiscardReport:
    net: Net
    queue: str
    chosen: int  # how many were chosen when the question was asked
    outcome: Discarded | None  # None: not confirmed, nothing discarded
    unmatched: tuple[str, ...] = ()


def net_queue(topology: Topology, net: Net) -> str:
    queue = net.queue(topology.nets)
    if queue is None:
        key = "unroutable" if net is Net.UNROUTABLE else "dead_letters"
        raise InvalidTopology([Problem(f"routing.yaml opts out of this net (`{key}: false`): nothing is kept")])
    return queue


def list_kept(topology: Topology, session: Session, net: Net, limit: int | None) -> Result[KeptReport]:
    queue = net_queue(topology, net)
    return Result(KeptReport(net, queue, read_kept(session.settings, queue, limit)), ExitCode.OK).on(session.settings)


def _known(checked: Checked | None, choice: Choice, session: Session, queue: str) -> None:
    """Every `--task` name a task the app or routing.yaml knows, or one the net keeps (the app may have
    dropped a task since it was kept)."""
    if checked is None or not choice.tasks:
        return
    if not checked.unknown(choice.tasks):
        return
    kept = {k.task for k in read_kept(session.settings, queue).tasks if k.task is not None}
    checked.require_known(choice.tasks, "--task", also=kept)


def replay(
    topology: Topology,
    session: Session,
    net: Net,
    choice: Choice = Choice(),
    progress: Callable[[int], Advance] | None = None,
    checked: Checked | None = None,
) -> Result[ReplayReport]:
    """Exit 0 when every chosen task was replayed; 1 when some stay (not routable, interrupted), a name or id
    chose none, or the broker does not match routing.yaml (then nothing is replayed). `checked`: the file
    with the app's task names, to check `--task` names against."""
    queue = net_queue(topology, net)
    _known(checked, choice, session, queue)
    planned = read_plan(topology, session)
    pending = (*planned.pending, *planned.conflicts)
    if pending:
        return Result(ReplayReport(net, queue, None, pending), ExitCode.DIFFERS).on(session.settings)

    def decide(kept: KeptTask) -> Decision:
        return destination(topology, kept) if choice.chooses(kept) else NOT_CHOSEN

    outcome = replay_kept(session.settings, queue, decide, progress)
    seen = [*outcome.replayed, *(k for k, _ in outcome.kept)]
    report = ReplayReport(net, queue, outcome, unmatched=choice.unmatched(seen))
    failed = report.stayed or outcome.interrupted or report.unmatched
    return Result(report, ExitCode.DIFFERS if failed else ExitCode.OK).on(session.settings)


def discard(
    topology: Topology,
    session: Session,
    net: Net,
    choice: Choice,
    confirm: Confirm,
    checked: Checked | None = None,
    *,
    everything: bool = False,
) -> Result[DiscardReport]:
    """Drop the chosen kept tasks for good, once `confirm` agrees to the count: the way to say a kept task
    will never be wanted. Nothing is chosen without `--task`, `--id` or `everything` (--all). Exit 0 when
    every chosen task was dropped; 1 when not confirmed, interrupted, or a name or id chose none."""
    if not (choice.tasks or choice.ids or everything):
        raise InvalidUsage("--discard: say which kept tasks: --id ID, --task NAME (each repeatable), or --all")
    queue = net_queue(topology, net)
    _known(checked, choice, session, queue)
    kept = read_kept(session.settings, queue).tasks
    chosen = [k for k in kept if choice.chooses(k)]
    unmatched = choice.unmatched(kept)
    if not chosen:
        report = DiscardReport(net, queue, 0, Discarded(), unmatched)
        return Result(report, ExitCode.DIFFERS if unmatched else ExitCode.OK).on(session.settings)
    if not confirm(
        f"discard {counted(len(chosen), 'task')} of queue {queue!r} for good (no replay can bring them back)"
    ):
        return Result(DiscardReport(net, queue, len(chosen), None, unmatched), ExitCode.DIFFERS).on(session.settings)
    outcome = discard_kept(session.settings, queue, choice.chooses)
    failed = outcome.interrupted or unmatched
    report = DiscardReport(net, queue, len(chosen), outcome, unmatched)
    return Result(report, ExitCode.DIFFERS if failed else ExitCode.OK).on(session.settings)


def destination(topology: Topology, kept: KeptTask) -> Decision:
    """Where routing.yaml sends the task now (loading the file proved that every route reaches a queue other
    than the nets'), or why it cannot be sent again."""
    if kept.task is None:
        return "not a Celery task message (no task header)"
    return (
        route_destination(topology, route_for(topology, kept.task), kept.task) or "routing.yaml names no queue for it"
    )

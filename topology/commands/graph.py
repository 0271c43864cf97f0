"""`graph`: the routing picture, from the file or (`--live`) overlaid with what the broker says.

Builds the Graph value only; rendering to text is pure (`picture.dot`, `picture.mermaid`), and running
Graphviz for svg and png is the CLI's (`cli.graph_output`). `--live` reads as inspect does and changes
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from topology.broker.session import Session
from topology.commands.result import ExitCode, Result
from topology.commands.workers import Replies, ask_workers, named_consumers
from topology.model import Topology
from topology.picture.graph import Graph, Overlay, build
from topology.planning.observed import with_counts
from topology.planning.plan import plan


@dataclass(frozen=True)
class GraphReport:
    graph: Graph
    title: str
    note: str = ""  # what the live overlay could not see


def overlay(topology: Topology, session: Session, replies: Replies = ask_workers) -> tuple[Overlay, str]:
    """What the broker says, as the picture draws it; and what could not be seen."""
    state = session.state(topology, check_properties=False)
    names = tuple(q.name for q in topology.queues if q.name in state.queues)
    live = with_counts(state, session.counts(names)) if names else state
    traffic = session.traffic()
    consumers, _ = named_consumers(traffic, session.settings, replies)
    activity = {q.name: q for q in traffic.queues}
    note = "; ".join(n for n in (live.unseen, traffic.unseen) if n)
    return Overlay(live, plan(topology, live), activity, consumers), note


def graph_command(
    topology: Topology,
    tasks: Sequence[str],
    session: Session | None = None,
    focus: str | None = None,
    replies: Replies = ask_workers,
) -> Result[GraphReport | None]:
    """The picture; None (exit 2) when `focus` names no task or queue in it."""
    seen, note = overlay(topology, session, replies) if session is not None else (None, "")
    graph = build(topology, tasks, seen)
    title = f"vhost {session.settings.vhost!r} as the broker has it" if session is not None else ""
    if focus is not None:
        focused = graph.focused(focus)
        if focused is None:
            return Result(None, ExitCode.INVALID)
        graph, title = focused, f"{title}, around {focus}".lstrip(", ")
    return Result(GraphReport(graph, title, note), ExitCode.OK)

"""`graph`: the routing picture, from the file or (`--live`) overlaid with what the broker says.

Builds the Graph value; rendering to text is pure (`picture.dot`, `picture.mermaid`), and Graphviz lays it
out for svg and png (`run_dot`: the CLI's pictures and `serve`'s page). `--live` reads as inspect does and
changes nothing.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from topology import hints
from topology.broker.session import Session
from topology.codes import ExitCode
from topology.commands.result import Result
from topology.commands.validate import Checked
from topology.commands.workers import Replies, ask_workers, named_consumers
from topology.errors import InvalidUsage, ToolMissing
from topology.model import Topology
from topology.picture.graph import Graph, NodeKind, Overlay, build
from topology.planning.inspection import Seen
from topology.planning.observed import with_counts
from topology.planning.plan import plan
from topology.routing import known_task_names

DOT_TIMEOUT_SECONDS = 120  # a 300-queue picture lays out in seconds; this only stops a hung `dot`


@dataclass(frozen=True)
class GraphReport:
    graph: Graph
    title: str
    note: str = ""  # what the live overlay could not see


def overlay(topology: Topology, session: Session, replies: Replies = ask_workers) -> tuple[Overlay, str]:
    """What the broker says, as the picture draws it; and what could not be seen."""
    state = session.state(topology, check_properties=False)
    names = tuple(q.name for q in topology.on_broker.queues if q.name in state.queues)  # the ladder's too
    live = with_counts(state, session.counts(names)) if names else state
    traffic = session.traffic()
    consumers, _ = named_consumers(traffic, session.settings, replies)
    activity = {q.name: q for q in traffic.queues}
    note = "; ".join(n for n in (live.unseen, traffic.unseen) if n)
    return Overlay(live, plan(topology, live), activity, consumers), note


def seen_overlay(seen: Seen) -> Overlay:
    """inspect's read as the picture draws it: `serve` draws the very read its tables and metrics show."""
    activity = {q.name: q for q in seen.traffic.queues} if seen.traffic is not None else {}
    return Overlay(seen.live, plan(seen.topology, seen.live), activity, seen.workers)


def graph_command(
    checked: Checked,
    session: Session | None = None,
    focus: str | None = None,
    replies: Replies = ask_workers,
) -> Result[GraphReport]:
    """The picture. `focus` names a task (as `routes TASK` takes it: InvalidUsage, exit 2, for one nobody
    knows) or a queue of the picture."""
    topology = checked.loaded.topology
    tasks = known_task_names(topology, checked.task_names)
    unknown: tuple[str, ...] = ()
    if focus is not None and focus not in tasks and topology.queue(focus) is None:
        unknown = tuple(p.message for p in checked.require_known([focus], "--focus"))
        tasks = [*tasks, focus]  # a task routed by a pattern, or one only the app might know: drawn too
    seen, note = overlay(topology, session, replies) if session is not None else (None, "")
    note = "; ".join(filter(None, (*unknown, note)))
    graph = build(topology, tasks, seen)
    title = f"vhost {session.settings.vhost!r} as the broker has it" if session is not None else ""
    if focus is not None:
        focused = graph.focused(focus)
        if focused is None:  # only on the broker, and not there either
            named = [*graph.names(NodeKind.TASK), *graph.names(NodeKind.QUEUE)]
            raise InvalidUsage(f"--focus: no task or queue named {focus!r}{hints.did_you_mean(focus, named)}")
        graph, title = focused, f"{title}, around {focus}".lstrip(", ")
    result = Result(GraphReport(graph, title, note), ExitCode.OK)
    return result.on(session.settings) if session is not None else result


def run_dot(text: str, picture: str) -> bytes:
    """DOT text laid out by Graphviz as `picture` (svg, png)."""
    dot = shutil.which("dot")
    if dot is None:
        raise ToolMissing(f"--format {picture} needs Graphviz's `dot`, which is not on PATH: {hints.INSTALL_GRAPHVIZ}")
    done = subprocess.run(
        [dot, f"-T{picture}"],
        input=text.encode(),
        capture_output=True,
        timeout=DOT_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise ToolMissing(f"Graphviz's dot failed (exit {done.returncode}): {reason[0] if reason else 'no message'}")
    return done.stdout

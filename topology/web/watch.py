"""One read of the vhost per interval, shared by every browser and scrape: inspect's read (`commands.inspect`),
as its metrics (`commands.metrics`) and its picture (`commands.graph.seen_overlay`). A read that fails leaves
its error, without a password, for the page to show; the next interval tries again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from topology.broker.session import VhostSession
from topology.broker.settings import Settings, redacted
from topology.commands.graph import run_dot, seen_overlay
from topology.commands.inspect import inspect_topology
from topology.commands.metrics import MetricsReport, metrics_of
from topology.errors import TopologyError
from topology.model import Topology
from topology.picture.dot import to_dot
from topology.picture.graph import Graph, build


@dataclass(frozen=True)
class Snapshot:
    """One read: `tick` counts the reads, so that a browser fetches the picture only when it changed."""

    tick: int
    at: float  # when it was read, seconds since the epoch
    topology: Topology | None = None
    metrics: MetricsReport | None = None
    graph: Graph | None = None
    rates: Mapping[str, float] = field(default_factory=dict)  # each queue's ready messages, change per second
    error: str = ""  # why there is no read this time


Read = Callable[[Settings, Topology], tuple[MetricsReport, Graph]]


def read_vhost(settings: Settings, topology: Topology) -> tuple[MetricsReport, Graph]:
    """inspect's read of the vhost, as its metrics and its picture."""
    with VhostSession(settings, traffic=True) as session:
        report = inspect_topology(topology, session)
    overlay = seen_overlay(report.seen) if report.seen is not None else None
    return metrics_of(report, time.time()), build(topology, (), overlay)


class Watch:
    """The latest read, made again every `interval` seconds on a thread of its own (or at once, `refresh`)."""

    def __init__(
        self, settings: Settings, load: Callable[[], Topology], interval: float, read: Read = read_vhost
    ) -> None:
        self.settings, self.interval = settings, interval
        self._load, self._read = load, read
        self._latest = Snapshot(0, time.time(), error="reading the broker ...")
        self._pictures: dict[tuple[int, str], str] = {}
        self._wake, self._stop = threading.Event(), threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="topology-watch", daemon=True)

    @property
    def latest(self) -> Snapshot:
        return self._latest

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def refresh(self) -> None:
        """Read again now (after an action), not at the end of the interval."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._latest = self._next(self._latest)
            self._wake.wait(self.interval)
            self._wake.clear()

    def _next(self, before: Snapshot) -> Snapshot:
        tick, at = before.tick + 1, time.time()
        try:
            topology = self._load()
            metrics, graph = self._read(self.settings, topology)
        except TopologyError as error:
            return Snapshot(tick, at, error=redacted(str(error)))
        return Snapshot(tick, at, topology, metrics, graph, _rates(before, metrics, at))

    def picture(self, focus: str | None) -> str:
        """The latest read's picture as SVG (`focus`: a task's or queue's part of it), laid out once per read."""
        snapshot = self._latest
        if snapshot.graph is None:
            return ""
        key = (snapshot.tick, focus or "")
        with self._lock:
            if key not in self._pictures:
                graph = snapshot.graph.focused(focus) if focus else snapshot.graph
                title = f"vhost {self.settings.vhost!r}" + (f", around {focus}" if focus else "")
                svg = run_dot(to_dot(graph or snapshot.graph, title), "svg").decode()
                self._pictures = {k: v for k, v in self._pictures.items() if k[0] == snapshot.tick}
                self._pictures[key] = svg[svg.index("<svg") :]  # without the XML prolog: inlined in the page
            return self._pictures[key]


def _rates(before: Snapshot, metrics: MetricsReport, at: float) -> dict[str, float]:
    """Each queue's ready messages' change per second since the read before."""
    if before.metrics is None or at <= before.at:
        return {}
    ready = {row.name: row.ready for row in before.metrics.inspected.queues}
    return {
        row.name: (row.ready - was) / (at - before.at)
        for row in metrics.inspected.queues
        if row.ready is not None and (was := ready.get(row.name)) is not None
    }

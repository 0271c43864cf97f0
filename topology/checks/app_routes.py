"""The Celery app's own router against routing.yaml: every task the app would send elsewhere. Pure.

Task names alone prove little: an app with task_routes of its own, or one never configured from the file,
registers the same tasks and publishes them somewhere else. So the app's router is asked where each of its
tasks goes (`celery_adapter.app`), and each answer is compared with the route the file proves.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from topology.model import Destination, Problem, Topology
from topology.routing import route_destination, route_for, shown_destination


def check_app_routes(topology: Topology, app: str, sent_to: Mapping[str, Destination | str]) -> Iterator[Problem]:
    for task, sent in sent_to.items():
        route = route_for(topology, task)
        said = route_destination(topology, route, task)
        if said is None or sent == said:
            continue
        rule = f"route {route.pattern!r}" if route is not None else "default_queue"
        origin = route.origin if route is not None else topology.default_queue_origin
        where = sent if isinstance(sent, str) else f"sends it to {shown_destination(sent)}"
        yield Problem(
            f"task {task!r}: the Celery app {app!r} {where}, but routing.yaml ({rule}) sends it to "
            f"{shown_destination(said)}: configure the app from routing.yaml "
            "(topology.celery_adapter.config.configure) and leave task_routes to it",
            origin,
        )

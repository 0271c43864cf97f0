"""The Celery app's own router against routing.yaml: whether the app still routes by settings of its own. Pure.

Task names alone prove little: an app with task_routes of its own, or one never configured from the file,
registers the same tasks and publishes them somewhere else. So the app's router is asked where each of its
tasks goes (`celery_adapter.app`), and each answer is compared with the route the file proves. An app that
is not configured from the file yet (the state right after `import-celery`) is one finding with the change
to make: a warning while every task still lands in the queues the file says, by another path (RabbitMQ's
default exchange instead of the file's binding); an error naming the tasks that would land elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from topology import hints
from topology.model import Destination, Problem, Severity, Topology
from topology.routing import deliver, route_destination, route_for, task_message

SHOWN = 5
"""Tasks named in the finding, at most; the rest are counted."""


def check_app_routes(
    topology: Topology, app: str, sent_to: Mapping[str, Destination | str], module: str | None = None
) -> Iterator[Problem]:
    """`module`: the file that makes the app, where the fix goes (None: not known)."""
    elsewhere: list[str] = []
    another_path: list[str] = []
    for task, sent in sent_to.items():
        route = route_for(topology, task)
        said = route_destination(topology, route)
        if said is None or sent == said:
            continue
        rule = f"route {route.pattern!r}" if route is not None else "default_queue"
        if isinstance(sent, str):
            elsewhere.append(f"{task!r} ({sent})")
            continue
        lands, wanted = _lands(topology, sent, task), _lands(topology, said, task)
        if lands == wanted:
            another_path.append(repr(task))
        else:
            shown = ", ".join(map(repr, lands)) or "nothing (dropped)"
            elsewhere.append(f"{task!r} lands in {shown}, routing.yaml ({rule}) in {', '.join(map(repr, wanted))}")
    if not elsewhere and not another_path:
        return
    fix = hints.configure_app(app, module)
    if elsewhere:
        message = (
            f"the Celery app {app!r} routes by settings of its own: {_listed(elsewhere)} "
            f"{'lands' if len(elsewhere) == 1 else 'land'} elsewhere than routing.yaml says"
            + (f" (and {hints.counted(len(another_path), 'task')} by another path)" if another_path else "")
        )
        yield Problem(f"{message}: {fix}", topology.default_queue_origin)
        return
    yield Problem(
        f"the Celery app {app!r} routes by settings of its own: its {hints.counted(len(another_path), 'task')} "
        f"({_listed(another_path)}) land in the queues routing.yaml says, through RabbitMQ's default exchange "
        f"instead of the file's bindings (which the nets, mandatory publishing and confirms rely on): {fix}",
        topology.default_queue_origin,
        Severity.WARNING,
    )


def _lands(topology: Topology, destination: Destination, task: str) -> tuple[str, ...]:
    return tuple(sorted(deliver(topology, destination.exchange, task_message(destination, task)).queues))


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return f"{shown} and {len(items) - SHOWN} more" if len(items) > SHOWN else shown

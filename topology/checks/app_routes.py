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
from topology.routing import NOTHING_NAMED, Sending, Source, TaskOptions, celery_sends, deliver, task_message

SHOWN = 5
"""Tasks named in the finding, at most; the rest are counted."""


def check_app_routes(
    topology: Topology,
    app: str,
    sent_to: Mapping[str, Destination | str],
    options: Mapping[str, TaskOptions],
    module: str | None = None,
) -> Iterator[Problem]:
    """`sent_to`: where the app publishes each task called with no options of its own (the task's own options
    in force, as `Task.apply_async` sends it); `options`: what each task names itself, so that the file's answer
    is Celery's precedence over the same options (`routing.celery_sends`); `module`: the file that makes the
    app, where the fix goes (None: not known)."""
    elsewhere: list[str] = []
    another_path: list[str] = []
    for task, sent in sent_to.items():
        own = options.get(task)
        said = celery_sends(topology, task, own=own.named if own is not None else NOTHING_NAMED)
        if said.refused is not None or sent == said.destination:
            continue  # a queue or exchange the file lacks is the task options' and routes' own finding
        if isinstance(sent, str):
            elsewhere.append(f"{task!r} ({sent})")
            continue
        lands, wanted = _lands(topology, sent, task), tuple(sorted(said.delivery.queues))
        if lands == wanted:
            another_path.append(repr(task))
        else:
            shown = ", ".join(map(repr, lands)) or "nothing (dropped)"
            elsewhere.append(
                f"{task!r} lands in {shown}, routing.yaml ({_decided(said, own)}) in {', '.join(map(repr, wanted))}"
            )
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


def _decided(sending: Sending, own: TaskOptions | None) -> str:
    """Who decides the task's queue in the file's answer: the task's own options, its route, the default."""
    if own is not None and Source.TASK in sending.chosen.values():
        return f"the task's own {own.named.shown}"
    return f"route {sending.route.pattern!r}" if sending.route is not None else "default_queue"


def _lands(topology: Topology, destination: Destination, task: str) -> tuple[str, ...]:
    return tuple(sorted(deliver(topology, destination.exchange, task_message(destination, task)).queues))


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return f"{shown} and {len(items) - SHOWN} more" if len(items) > SHOWN else shown

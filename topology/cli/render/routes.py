"""`routes` and `routes --live`: each task, the rule that picks it, the exchange and key, the queues."""

from __future__ import annotations

from typing import Any

import click

from topology.cli.envelope import Body
from topology.cli.render import Renderer
from topology.cli.render.text import echo_lines, print_columns, print_problems
from topology.commands.result import Result
from topology.commands.routes import LiveRoutesReport, RoutesReport
from topology.commands.validate import tasks_line
from topology.planning.live_routes import LiveRoute


def _dropped() -> str:
    return click.style("DROPPED", fg="red", bold=True)


def text(result: Result[RoutesReport]) -> None:
    report = result.report
    print_problems(report.warnings)
    refused = click.style("REFUSED", fg="red", bold=True)
    rows = [
        (
            route.task,
            route.rule if route.line is None else f"{route.rule} ({route.line})",
            "" if route.exchange is None else route.exchange or "(default)",
            route.routing_key or "",
            ", ".join(route.queues) or (refused if route.refused else _dropped()),
        )
        for route in report.routes
    ]
    print_columns(("TASK", "RULE (LINE)", "EXCHANGE", "ROUTING KEY", "QUEUES"), rows)
    echo_lines(
        f"{route.task}: {note}" for route in report.routes for note in filter(None, (route.refused, route.not_followed))
    )
    click.echo(tasks_line(report.checked.tasks))


def body(result: Result[RoutesReport]) -> Body:
    report = result.report
    tasks = [
        {
            "task": route.task,
            "rule": route.rule,
            "line": route.line,
            "exchange": route.exchange,
            "routing_key": route.routing_key,
            "queues": list(route.queues),
            "through": route.through.value if route.through is not None else None,
            "decided_by": {key: source.value for key, source in route.decided_by.items()},
            "ignored": list(route.ignored),
            "not_followed": route.not_followed,
            "refused": route.refused,
        }
        for route in report.routes
    ]
    data = {"tasks": tasks, "task_names": tasks_line(report.checked.tasks)}
    return Body(problems=report.warnings, data=data)


ROUTES = Renderer("routes", text, body)


def route_data(route: LiveRoute) -> dict[str, Any]:
    """One task's way through the file and through the broker (routes --live, and inspect's JSON)."""
    return {
        "task": route.task,
        "rule": route.rule,
        "exchange": route.exchange,
        "routing_key": route.routing_key,
        "queues_in_file": list(route.declared.queues) if route.declared else [],
        "queues_on_broker": list(route.live.queues) if route.live else [],
        "captured": list(route.captured),
        "lost": list(route.lost),
    }


def live_text(result: Result[LiveRoutesReport]) -> None:
    report = result.report
    print_problems(report.unknown)
    nets = report.checked.loaded.topology.nets.names
    rows = []
    for route in report.routes:
        reached = route.live.queues if route.live else ()
        own = [q for q in reached if q not in nets]
        kept = [q for q in reached if q in nets]
        if own:
            live = ", ".join(own)
        elif kept:  # no binding takes it: the unroutable net keeps it, as bad as dropped for its workers
            live = click.style("kept: " + ", ".join(kept), fg="red", bold=True)
        else:
            live = _dropped()
        captured = [q for q in route.captured if q not in nets]
        differs = "; ".join(
            part
            for part in (
                captured and "not in routing.yaml: " + ", ".join(captured),
                route.lost and "routing.yaml also says: " + ", ".join(route.lost),
            )
            if part
        )
        rows.append(
            (
                route.task,
                route.rule,
                route.exchange or "(default)",
                route.routing_key or "",
                live,
                differs or "as routing.yaml",
            )
        )
    click.echo(f"routes through the bindings on the broker, vhost {result.vhost!r}:")
    print_columns(("TASK", "RULE", "EXCHANGE", "ROUTING KEY", "QUEUES ON THE BROKER", "VS ROUTING.YAML"), rows)


def live_body(result: Result[LiveRoutesReport]) -> Body:
    report = result.report
    tasks: list[dict[str, Any]] = [
        {
            "task": route.task,
            "rule": route.rule,
            "line": None,
            "exchange": route.exchange,
            "routing_key": route.routing_key,
            "queues": list(route.live.queues) if route.live else [],
            "through": None,  # `routes` without --live says how; here, where the broker's bindings take it
            "decided_by": {},
            "ignored": [],
            "not_followed": None,
            "refused": None,
        }
        for route in report.routes
    ]
    # `routes`' records, with the queues the broker's bindings deliver to; the whole way under live_routes
    data = {
        "tasks": tasks,
        "task_names": tasks_line(report.checked.tasks),
        "live_routes": [route_data(route) for route in report.routes],
    }
    return Body(problems=report.unknown, data=data)


LIVE_ROUTES = Renderer("routes", live_text, live_body)

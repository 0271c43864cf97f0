"""`serve`'s HTTP side (Starlette): the page, its data, the picture, `/metrics`, and the nets' actions.

Every GET answers from the watch's latest read: no request reads the broker, however many browsers poll.
Replay and discard change the broker: they need the token `serve` printed (header X-Topology-Token), and
the page asks for a confirmation first. Nothing served carries a password: the broker is shown as its
endpoint (user, host, port), errors pass through `redacted`.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from topology.broker.session import VhostSession
from topology.broker.settings import redacted
from topology.commands.recover import Choice, discard, replay
from topology.errors import InvalidUsage, TopologyError
from topology.model import Topology
from topology.planning.kept import Net
from topology.web.exposition import CONTENT_TYPE, exposition
from topology.web.watch import Snapshot, Watch

PAGE = Path(__file__).with_name("page.html")
TOKEN_HEADER = "X-Topology-Token"


def app(watch: Watch, token: str) -> Starlette:
    page = PAGE.read_text(encoding="utf-8")

    async def index(_: Request) -> HTMLResponse:
        return HTMLResponse(page)

    async def state(_: Request) -> JSONResponse:
        return JSONResponse(page_data(watch.latest, watch))

    async def picture(request: Request) -> Response:
        svg = await asyncio.to_thread(watch.picture, request.query_params.get("focus") or None)
        return Response(svg, media_type="image/svg+xml")

    async def metrics(_: Request) -> Response:
        latest = watch.latest
        if latest.metrics is None:
            return Response(f"no read of the broker yet: {latest.error}\n", status_code=503)
        return Response(exposition(latest.metrics), media_type=CONTENT_TYPE)

    def action(act: Act) -> Callable[[Request], Any]:
        async def run(request: Request) -> JSONResponse:
            if not secrets.compare_digest(request.headers.get(TOKEN_HEADER, ""), token):
                return JSONResponse({"error": "the token serve printed at start is needed"}, status_code=403)
            asked = await request.json()
            try:
                net, ids = Net(asked["net"]), [str(i) for i in asked["ids"]]
            except (KeyError, TypeError, ValueError):
                return JSONResponse({"error": 'give {"net": "unroutable"|"dead-letters", "ids": [...]}'}, 400)
            try:
                done = await asyncio.to_thread(_acting, watch, act, net, Choice((), ids))
            except TopologyError as error:
                return JSONResponse({"error": redacted(str(error))}, status_code=409)
            watch.refresh()
            return JSONResponse(done)

        return run

    return Starlette(
        routes=[
            Route("/", index),
            Route("/api/state", state),
            Route("/picture.svg", picture),
            Route("/metrics", metrics),
            Route("/api/replay", action(_replay), methods=["POST"]),
            Route("/api/discard", action(_discard), methods=["POST"]),
        ]
    )


Act = Callable[[Topology, VhostSession, Net, Choice], dict[str, Any]]


def _acting(watch: Watch, act: Act, net: Net, choice: Choice) -> dict[str, Any]:
    """`act` on the file as the latest read had it."""
    topology = watch.latest.topology
    if topology is None:
        raise InvalidUsage(f"nothing read yet: {watch.latest.error}")
    with VhostSession(watch.settings) as session:
        return act(topology, session, net, choice)


def _replay(topology: Topology, session: VhostSession, net: Net, choice: Choice) -> dict[str, Any]:
    """`replay --id ...`: each chosen task sent again through the current routes."""
    result = replay(topology, session, net, choice)
    outcome = result.report.outcome
    return {
        "exit_code": int(result.exit_code),
        "replayed": len(outcome.replayed) if outcome else 0,
        "stayed": [f"{k.id}: {why}" for k, why in result.report.stayed],
        "pending": [str(change.ref) for change in result.report.pending],
        "unmatched": list(result.report.unmatched),
    }


def _discard(topology: Topology, session: VhostSession, net: Net, choice: Choice) -> dict[str, Any]:
    """`dead-letters --discard --id ...`: confirmed in the page before it is asked."""
    result = discard(topology, session, net, choice, lambda _: True)
    outcome = result.report.outcome
    return {
        "exit_code": int(result.exit_code),
        "discarded": len(outcome.discarded) if outcome else 0,
        "unmatched": list(result.report.unmatched),
    }


def page_data(snapshot: Snapshot, watch: Watch) -> dict[str, Any]:
    """What the page shows of one read."""
    data: dict[str, Any] = {
        "tick": snapshot.tick,
        "at": snapshot.at,
        "interval": watch.interval,
        "vhost": watch.settings.vhost,
        "broker": str(watch.settings.broker),
        "error": snapshot.error,
    }
    if snapshot.metrics is None or snapshot.topology is None:
        return data
    report = snapshot.metrics.inspected
    seen = report.seen
    kept = seen.kept if seen is not None else {}
    data |= {
        "queues": [
            {
                "name": row.name,
                "declared": row.declared,
                "exists": row.exists,
                "ready": row.ready,
                "unacked": row.unacked,
                "consumers": row.consumers,
                "oldest_age": row.oldest_age,
                "rate": snapshot.rates.get(row.name),
                "workers": [w.shown for w in row.workers],
                "tasks": list(row.tasks),
            }
            for row in report.queues
        ],
        "findings": [
            {
                "code": f.code.value,
                "group": f.code.group.value,
                "severity": f.severity.value,
                "kind": f.ref.kind.value,
                "name": f.ref.name,
                "message": redacted(f.message),
                "fix": redacted(f.fix),
            }
            for f in report.findings
        ],
        "kept": [
            {"net": net.value, **task.to_json()}
            for net in Net
            if (queue := net.queue(snapshot.topology.nets)) is not None
            for task in kept.get(queue, ())
        ],
        "schedule": [
            {"name": e.name, "task": e.task, "every": e.every, "cron": e.cron, "queue": e.queue}
            for e in snapshot.topology.schedule
        ],
        "metrics": [
            {"name": s.metric.name, "labels": list(s.labels), "value": s.value} for s in snapshot.metrics.samples
        ],
    }
    return data

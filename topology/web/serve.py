"""`serve`: the watch started, then the page served by uvicorn on a socket bound first (a port in use is one
line and exit 2, before anything is announced) until Ctrl-C."""

from __future__ import annotations

import gc
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass

import uvicorn

from topology.broker.settings import Settings
from topology.codes import ExitCode
from topology.errors import InvalidUsage
from topology.model import Topology
from topology.web.app import app
from topology.web.watch import Watch


@dataclass(frozen=True)
class Started:
    url: str
    token: str  # what replay and discard need (X-Topology-Token)
    vhost: str
    broker: str  # the endpoint, never its password
    interval: float


def serve(
    settings: Settings,
    load: Callable[[], Topology],
    host: str,
    port: int,
    interval: float,
    announce: Callable[[Started], None],
) -> ExitCode:
    gc.enable()  # the CLI's short runs go without cyclic collection; a server runs for days
    listening = _bound(host, port)
    token = secrets.token_urlsafe(18)
    watch = Watch(settings, load, interval)
    bound_port = listening.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    announce(Started(f"http://{shown_host}:{bound_port}/", token, settings.vhost, str(settings.broker), interval))
    watch.start()
    config = uvicorn.Config(app(watch, token), log_level="warning", access_log=False, lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[listening])
    finally:
        watch.stop()
        listening.close()
    return ExitCode.OK


def _bound(host: str, port: int) -> socket.socket:
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        listening = socket.socket(family, socket.SOCK_STREAM)
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
    except OSError as error:
        raise InvalidUsage(f"serve cannot listen on {host}:{port}: {error.strerror or error}") from None
    listening.listen(128)
    return listening

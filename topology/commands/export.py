"""`export`: routing.yaml as RabbitMQ definitions for one vhost, or as an AsyncAPI 3.0 document of what its
Celery app publishes and consumes. Nothing on the broker is read or changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from topology.codes import ExitCode
from topology.commands.result import Result
from topology.model import Topology
from topology.planning.asyncapi import asyncapi
from topology.planning.export import definitions


@dataclass(frozen=True)
class ExportReport:
    vhost: str
    definitions: dict[str, Any]  # what `rabbitmqctl import_definitions` reads
    asyncapi: dict[str, Any] | None = None  # the AsyncAPI document, when asked for


def export_command(topology: Topology, vhost: str, host: str | None = None) -> Result[ExportReport]:
    """`host` (the broker's host:port): the AsyncAPI document too, with it as its server."""
    document = asyncapi(topology, vhost, host) if host is not None else None
    return Result(ExportReport(vhost, definitions(topology, vhost), document), ExitCode.OK, vhost=vhost)

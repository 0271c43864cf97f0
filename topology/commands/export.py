"""`export`: routing.yaml as RabbitMQ definitions for one vhost. Nothing on the broker is read or changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from topology.codes import ExitCode
from topology.commands.result import Result
from topology.model import Topology
from topology.planning.export import definitions


@dataclass(frozen=True)
class ExportReport:
    vhost: str
    definitions: dict[str, Any]  # what `rabbitmqctl import_definitions` reads


def export_command(topology: Topology, vhost: str) -> Result[ExportReport]:
    return Result(ExportReport(vhost, definitions(topology, vhost)), ExitCode.OK, vhost=vhost)

"""`export`: routing.yaml as RabbitMQ definitions for one vhost. Nothing on the broker is read or changed."""

from __future__ import annotations

from typing import Any

from topology.commands.result import ExitCode, Result
from topology.model import Topology
from topology.planning.export import definitions


def export_command(topology: Topology, vhost: str) -> Result[dict[str, Any]]:
    return Result(definitions(topology, vhost), ExitCode.OK)

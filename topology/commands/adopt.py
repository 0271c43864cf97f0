"""`adopt`: a live vhost written as routing.yaml. Nothing on the broker changes.

The vhost is read from its definitions (the management API): AMQP cannot list what a vhost holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from topology.broker.management import ManagementClient
from topology.broker.settings import Settings
from topology.commands.result import ExitCode, Result
from topology.language.writer import topology_yaml
from topology.planning.adopt import Adopted, adopt


@dataclass(frozen=True)
class AdoptReport:
    vhost: str
    adopted: Adopted
    text: str  # the routing.yaml written


def adopt_command(settings: Settings) -> Result[AdoptReport]:
    """Raises BrokerUnavailable (exit 3) when the management API does not answer or the vhost is missing."""
    live = ManagementClient(settings.management).state(settings.vhost)
    adopted = adopt(live)
    header = (
        f"Adopted from vhost {settings.vhost!r} on {settings.broker} by `python -m topology adopt`.",
        "The broker knows no task routes: add `routes:` (task -> queue), and check default_queue.",
    )
    text = topology_yaml(adopted.topology, adopted.notes, header)
    return Result(AdoptReport(settings.vhost, adopted, text), ExitCode.OK)

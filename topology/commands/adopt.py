"""`adopt`: a live vhost written as routing.yaml. Nothing on the broker changes.

The vhost is read from its definitions (the management API): AMQP cannot list what a vhost holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from topology.broker.management import ManagementClient
from topology.broker.settings import Settings
from topology.codes import ExitCode
from topology.commands.result import Result
from topology.errors import InvalidTopology
from topology.language.loader import check_text
from topology.language.writer import topology_yaml
from topology.planning.adopt import Adopted, adopt


@dataclass(frozen=True)
class AdoptReport:
    vhost: str
    adopted: Adopted
    text: str  # the routing.yaml written
    problems: tuple[str, ...] = ()  # what `validate` would say of it (an empty vhost routes nothing, ...)


def adopt_command(settings: Settings) -> Result[AdoptReport]:
    """Exit 0, or 1 when the written file does not validate yet (it is written all the same, for the user to
    finish); BrokerUnavailable (exit 3) when the management API does not answer or the vhost is missing."""
    live = ManagementClient(settings.management).state(settings.vhost)
    adopted = adopt(live)
    header = (
        f"Adopted from vhost {settings.vhost!r} on {settings.broker} by `python -m topology adopt`.",
        "The broker knows no task routes: add `routes:` (task -> queue), and check default_queue.",
    )
    text = topology_yaml(adopted.topology, adopted.notes, header)
    try:
        check_text(text, "routing.yaml", environ={})
    except InvalidTopology as invalid:
        problems = tuple(f"the written file: {p}" for p in invalid.problems)
        return Result(AdoptReport(settings.vhost, adopted, text, problems), ExitCode.DIFFERS).on(settings)
    return Result(AdoptReport(settings.vhost, adopted, text), ExitCode.OK).on(settings)

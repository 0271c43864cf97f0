"""`adopt`: a live vhost written as routing.yaml. Nothing on the broker changes.

The vhost is read from its definitions (the management API): AMQP cannot list what a vhost holds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from topology.broker.management import ManagementClient
from topology.broker.settings import Settings
from topology.codes import ExitCode
from topology.commands.result import Result
from topology.errors import InvalidTopology
from topology.language.loader import check_text
from topology.language.writer import topology_yaml
from topology.planning.adopt import Adopted, adopt
from topology.planning.findings import Finding
from topology.planning.mirrored import mirrored_findings


@dataclass(frozen=True)
class AdoptReport:
    vhost: str
    adopted: Adopted
    text: str  # the routing.yaml written
    problems: tuple[str, ...] = ()  # what `validate` would say of it (an empty vhost routes nothing, ...)
    findings: tuple[Finding, ...] = ()  # queues RabbitMQ 4.x treats otherwise: mirrored, or with a refused argument


def adopt_command(settings: Settings) -> Result[AdoptReport]:
    """Exit 0, or 1 when the written file does not validate yet (it is written all the same, for the user to
    finish); BrokerUnavailable (exit 3) when the management API does not answer or the vhost is missing."""
    live = ManagementClient(settings.management).state(settings.vhost)
    adopted = adopt(live)
    findings = tuple(mirrored_findings(live))
    notes = dict(adopted.notes)
    for finding in findings:  # said in the file too, beside the queue
        key = ("queues", finding.ref.name)
        notes[key] = (*notes.get(key, ()), f"{finding.code.value}: {finding.fix}")
    adopted = replace(adopted, notes=notes)
    header = (
        f"Adopted from vhost {settings.vhost!r} on {settings.broker} by `python -m topology adopt`.",
        "The broker knows no task routes: add `routes:` (task -> queue), and check default_queue.",
    )
    text = topology_yaml(adopted.topology, adopted.notes, header)
    try:
        check_text(text, "routing.yaml", environ={})
    except InvalidTopology as invalid:
        problems = tuple(f"the written file: {p}" for p in invalid.problems)
        report = AdoptReport(settings.vhost, adopted, text, problems, findings)
        return Result(report, ExitCode.DIFFERS).on(settings)
    return Result(AdoptReport(settings.vhost, adopted, text, findings=findings), ExitCode.OK).on(settings)

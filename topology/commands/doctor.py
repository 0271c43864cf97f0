"""`doctor`: which AMQP client Celery will use, whether the broker and its management API answer, and
each node's open-file limit."""

from __future__ import annotations

from dataclasses import dataclass

from topology.broker.amqp import check_connection
from topology.broker.management import BrokerNode, ManagementClient
from topology.broker.settings import Settings
from topology.celery_adapter.transport import TransportInfo, celery_transport
from topology.commands.result import ExitCode, Result


@dataclass(frozen=True)
class DoctorReport:
    settings: Settings
    transport: TransportInfo
    exchanges: int
    queues: int
    nodes: tuple[BrokerNode, ...] | None  # None: the user may not see them (monitoring tag)


def doctor(settings: Settings) -> Result[DoctorReport]:
    """Raises BrokerUnavailable (exit 3) with the fix when AMQP or the management API does not answer."""
    transport = celery_transport(settings)
    check_connection(settings)
    management = ManagementClient(settings.management)
    state = management.state(settings.vhost)
    nodes = management.nodes()
    shown = tuple(nodes) if nodes is not None else None
    return Result(DoctorReport(settings, transport, len(state.exchanges), len(state.queues), shown), ExitCode.OK)

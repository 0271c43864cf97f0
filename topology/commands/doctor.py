"""`doctor`: which AMQP client Celery will use, whether the broker and its management API answer, each
node's open-file limit, and the cluster's health: nodes running, resource alarms, partitions, and the quorum
queues that would lose their majority if the answering node stopped."""

from __future__ import annotations

from dataclasses import dataclass

from topology.broker.amqp import check_connection
from topology.broker.management import BrokerNode, ManagementClient
from topology.broker.settings import Settings
from topology.celery_adapter.transport import TransportInfo, celery_transport
from topology.codes import ExitCode
from topology.commands.result import Result


@dataclass(frozen=True)
class DoctorReport:
    settings: Settings
    transport: TransportInfo
    exchanges: int
    queues: int
    nodes: tuple[BrokerNode, ...] | None  # None: the user may not see them (monitoring tag)
    quorum_critical: tuple[str, ...] | None = None  # vhost/queue; None: not asked (monitoring tag)

    @property
    def healthy(self) -> bool:
        """Every node runs, none has an alarm or sees a partition, no quorum queue hangs on one node."""
        nodes = self.nodes or ()
        sick = any(not n.running or n.alarms or n.partitions for n in nodes)
        return not sick and not self.quorum_critical


def doctor(settings: Settings) -> Result[DoctorReport]:
    """Raises BrokerUnavailable (exit 3) with the fix when AMQP or the management API does not answer; exit 1
    when the cluster is not healthy (a node down, an alarm, a partition, a quorum-critical queue)."""
    transport = celery_transport(settings)
    check_connection(settings)
    management = ManagementClient(settings.management)
    state = management.state(settings.vhost)
    nodes = management.nodes()
    shown = tuple(nodes) if nodes is not None else None
    critical = management.quorum_critical()
    report = DoctorReport(
        settings,
        transport,
        len(state.exchanges),
        len(state.queues),
        shown,
        tuple(critical) if critical is not None else None,
    )
    return Result(report, ExitCode.OK if report.healthy else ExitCode.DIFFERS).on(settings)

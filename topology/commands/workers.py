"""`workers`: which Celery worker consumes which queue, and what is wrong with that. Nothing changes.

Consumers come from the management API; a worker started with this tool's consumer names itself in its
connection's client properties. Only when some kombu consumer does not is Celery's remote control asked
(it waits its whole timeout for replies).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from topology.broker.session import Session
from topology.broker.settings import Settings
from topology.codes import ExitCode
from topology.commands.result import Result
from topology.model import Topology
from topology.planning.activity import Traffic
from topology.planning.consumers import Identified, WorkerConsumer, WorkerReply, identify, lag_note, picture_findings
from topology.planning.findings import Finding, findings_exit_code
from topology.planning.observed import Counts

Replies = Callable[[Settings], Sequence[WorkerReply]]


def ask_workers(settings: Settings) -> Sequence[WorkerReply]:
    from topology.celery_adapter.remote import worker_replies

    return worker_replies(settings)


@dataclass(frozen=True)
class WorkersReport:
    vhost: str
    consumers: tuple[WorkerConsumer, ...]
    findings: tuple[Finding, ...]
    asked_remote_control: bool
    unseen: str = ""  # why nothing could be read (the management API did not answer)
    lag: str = ""  # where the management API's consumer list has not caught up with AMQP's count yet


def named_consumers(
    traffic: Traffic, settings: Settings, replies: Replies = ask_workers
) -> tuple[tuple[WorkerConsumer, ...], bool]:
    """Every consumer with its worker, and whether remote control had to be asked."""
    named = identify(traffic.consumers, None)
    if not any(each.identified is Identified.UNKNOWN for each in named):
        return tuple(named), False
    return tuple(identify(traffic.consumers, replies(settings))), True


def amqp_consumers(counts: Counts) -> dict[str, int]:
    """Each counted queue's consumers, as its passive declare answered (missing queues left out)."""
    return {name: count[1] for name, count in counts.items() if count is not None}


def workers_report(topology: Topology, session: Session, replies: Replies = ask_workers) -> WorkersReport:
    """The management API's consumers, checked against the live AMQP count of the file's queues it lists."""
    traffic = session.traffic()
    if traffic.unseen:
        return WorkersReport(session.settings.vhost, (), (), False, traffic.unseen)
    listed = {queue.name for queue in traffic.queues}
    counts = session.counts([q.name for q in topology.on_broker.queues if q.name in listed], stop_at_refusal=True)
    consumers, asked = named_consumers(traffic, session.settings, replies)
    findings = tuple(picture_findings(topology, consumers, amqp_consumers(counts), "workers"))
    return WorkersReport(session.settings.vhost, consumers, findings, asked, lag=lag_note(findings, "workers"))


def workers_command(topology: Topology, session: Session, replies: Replies = ask_workers) -> Result[WorkersReport]:
    """Exit 1 when a finding says tasks may go to the wrong consumer or to none; 3 without the API."""
    report = workers_report(topology, session, replies)
    exit_code = ExitCode.UNAVAILABLE if report.unseen else findings_exit_code(report.findings, require_consumers=True)
    return Result(report, exit_code).on(session.settings)

"""The management API's consumer list lags AMQP's live count: where the two disagree, inspect and workers
say so as its own finding, with what each source said, and draw no other finding from the stale list."""

from __future__ import annotations

from collections.abc import Sequence

from tests.unit.test_commands import TOPOLOGY, applied
from topology.codes import Code, ExitCode
from topology.commands.inspect import inspect_topology
from topology.commands.workers import workers_command
from topology.model import Kind, Ref
from topology.planning.activity import QueueActivity, Traffic
from topology.planning.consumers import Consumer, WorkerReply
from topology.planning.findings import Finding, findings_exit_code
from topology.planning.observed import Counts
from topology.testing.fake_session import FakeSession

WORK = Ref(Kind.QUEUE, "work")


def no_replies(_: object) -> tuple[WorkerReply, ...]:
    return ()


def consumer(queue: str, *, active: bool = True, worker: str = "w1@host") -> Consumer:
    properties = {"celery_worker": worker, "celery_host": "host", "celery_pid": 7}
    return Consumer(queue, "None4", "conn", "127.0.0.1:5000", 4, active, "py-amqp", properties=properties)


def session(amqp_consumers: int, *listed: Consumer) -> FakeSession:
    queues = (QueueActivity("work", 0, 0, len(listed)), QueueActivity("spare", 0, 0, 0))
    counted: Counts = {"work": (0, amqp_consumers), "spare": (0, 0)}
    return FakeSession(applied(), counted=counted, seen_traffic=Traffic(queues, listed))


def lag(findings: Sequence[Finding]) -> list[tuple[str, Ref, str]]:
    return [(f.code, f.ref, f.message) for f in findings if f.code == Code.CONSUMER_LIST_LAGS]


def test_a_consumer_amqp_counts_but_the_api_does_not_list_yet_is_a_lag_finding_in_workers() -> None:
    result = workers_command(TOPOLOGY, session(1), no_replies)
    [(_, ref, message)] = lag(result.report.findings)
    assert ref == WORK and "has 1 consumer by AMQP, but the management API lists 0" in message
    assert "missing some" in message
    assert result.exit_code is ExitCode.OK  # not settled yet is no wrong consumer: nothing to fail on


def test_a_consumer_the_api_still_lists_after_it_left_is_stale_and_its_other_findings_are_left_out() -> None:
    standby = consumer("work", active=False)  # on its own an idle_consumers warning, exit 1
    alone = workers_command(TOPOLOGY, session(1, standby), no_replies)
    assert [f.code for f in alone.report.findings] == ["idle_consumers"] and alone.exit_code is ExitCode.DIFFERS
    left = workers_command(TOPOLOGY, session(0, standby), no_replies)
    [(_, ref, message)] = lag(left.report.findings)
    assert [f.code for f in left.report.findings] == [Code.CONSUMER_LIST_LAGS]
    assert ref == WORK and "has 0 consumers by AMQP, but the management API lists 1" in message
    assert "stale" in message and left.exit_code is ExitCode.OK
    assert [f.fix for f in left.report.findings] == [
        "run `python -m topology workers` again in a few seconds, once the management API has caught up"
    ]


def test_agreeing_sources_give_no_lag_finding_and_only_the_file_s_existing_queues_are_counted() -> None:
    fake = session(1, consumer("work"))
    result = workers_command(TOPOLOGY, fake, no_replies)
    assert result.report.findings == () and result.exit_code is ExitCode.OK
    assert fake.asked == [("work", "spare")]


def test_inspect_says_the_list_lags_and_does_not_fail_require_consumers_on_it() -> None:
    report = inspect_topology(TOPOLOGY, session(1), replies=no_replies)
    [(_, ref, message)] = lag(report.findings)
    assert ref == WORK and "has 1 consumer by AMQP, but the management API lists 0" in message
    assert report.findings[-1].fix.startswith("run `python -m topology inspect` again")
    assert findings_exit_code(report.findings, require_consumers=True) is ExitCode.OK  # its consumer, by AMQP


def test_without_the_management_api_s_traffic_there_is_nothing_to_compare() -> None:
    fake = FakeSession(applied(), counted={"work": (0, 1)}, seen_traffic=Traffic(unseen="not read"))
    assert workers_command(TOPOLOGY, fake, no_replies).exit_code is ExitCode.UNAVAILABLE
    assert lag(inspect_topology(TOPOLOGY, fake, replies=no_replies).findings) == []

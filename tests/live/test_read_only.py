"""plan and inspect as a user that may only read, on whatever version the broker under test runs: with the
read permission alone the counts are live (passive declares) on every version; without it, a version that
refuses passive declares (4.3) gives the management API's counts, and inspect says so with the grant."""

from __future__ import annotations

import pytest

from tests.conftest import SEED, WITHOUT_NETS
from tests.live.conftest import Broker
from tests.live.test_apply_inspect import admin_api, user_with_tags
from topology.checks.versions import rules_for


@pytest.mark.parametrize("read", [".*", ""])
def test_a_read_only_user_plans_and_inspects_with_the_counts_its_version_allows(broker: Broker, read: str) -> None:
    file = broker.write(SEED + WITHOUT_NETS)
    assert broker.cli("apply", file=file).returncode == 0
    with broker.connection() as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish("for_task_A", "for_task_A", b"waiting")
    rules = rules_for(broker.state().rabbitmq_version)
    with user_with_tags(broker, "management", rights="") as (as_user, options):
        grant = {"configure": "", "write": "", "read": read}
        admin_api(broker, "PUT", f"/permissions/{broker.vhost}/{as_user.broker.username}", grant)
        planned = broker.cli("plan", *options, file=file)
        inspected = broker.cli("inspect", *options, file=file)
    assert planned.returncode == 0 and "nothing to do" in planned.stdout, planned.stderr
    assert inspected.returncode == 0 and "in sync: 0 drift findings" in inspected.stdout, inspected.stderr
    by_api = rules.passive_declare_permission == "read" and read == ""
    assert ("are the management API's" in inspected.stdout) is by_api
    if not by_api:  # live: the message just published is counted at once
        rows = [line.split()[:2] for line in inspected.stdout.splitlines() if line.startswith("for_task_A ")]
        assert rows[0] == ["for_task_A", "1"]  # the queue table's row (the traffic table's shows the API's count)

"""`metrics` and `serve` on a real broker with a real worker: every metric equal to what `inspect --format
json` reports of the same vhost, no password anywhere, and the page in a real headless Chromium."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from celery import Celery
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import OWNED, envelope
from tests.live.conftest import Broker, wait_until
from topology.broker.activity import read_traffic
from topology.codes import Code, Group
from topology.commands.metrics import METRICS

UNROUTABLE = "topology.unroutable"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scraped(text: str) -> Samples:
    """The samples of an exposition, keyed by name and labels (vhost left out, checked once)."""
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = dict(sample.labels)
            labels.pop("vhost")
            samples[(sample.name, tuple(sorted(labels.items())))] = sample.value
    return samples


def expected(inspected: dict[str, Any], at: float) -> Samples:
    """What the metrics must say, from inspect's JSON alone; `at`: when the metrics were read (ages)."""
    data = inspected["data"]
    vhost_queues = {q["name"]: q for q in data["vhost_queues"]}
    samples: Samples = {}
    for queue in data["queues"]:
        if not queue["exists"]:
            continue
        name, label = queue["name"], (("queue", queue["name"]),)
        samples[("topology_queue_messages_ready", label)] = queue["messages_ready"]
        samples[("topology_queue_consumers", label)] = queue["consumers"]
        if vhost_queues[name]["messages_unacknowledged"] is not None:
            samples[("topology_queue_messages_unacked", label)] = vhost_queues[name]["messages_unacknowledged"]
        if vhost_queues[name]["oldest_message_age"] is not None:
            samples[("topology_queue_oldest_message_age_seconds", label)] = vhost_queues[name]["oldest_message_age"]
    for kept in data["kept"]:
        samples[("topology_net_messages", (("net", kept["net"]), ("task", kept["task"] or "")))] = kept["count"]
    codes = Counter(f["code"] for f in inspected["findings"])
    for code in Code:
        if code.group is Group.DRIFT:
            samples[("topology_drift_findings", (("code", code.value),))] = codes[code.value]
    record = data["since_last_apply"]["last_apply"]
    applied = time.mktime(time.strptime(record["applied_at"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
    samples[("topology_last_apply_age_seconds", ())] = at - applied
    samples[("topology_routed_queues_without_consumers", ())] = codes["no_consumer"]
    return samples


AGES = ("topology_queue_oldest_message_age_seconds", "topology_last_apply_age_seconds")


def assert_equal(got: Samples, wanted: Samples, apart: float) -> None:
    """Equal, the ages within the seconds between the two reads (`apart`) and a second's rounding."""
    assert got.keys() == wanted.keys()
    for key, value in wanted.items():
        if key[0] in AGES:
            assert abs(got[key] - value) <= apart + 1, key
        else:
            assert got[key] == value, key


def drifted_and_kept(broker: Broker, seed: Path, client: Celery) -> None:
    """for_task_B's binding removed by hand (drift), a taskB sent (kept by the unroutable net), two taskA
    waiting for a worker, and a worker on the default queue."""
    broker.worker("default", seed)
    with broker.connection() as connection:
        connection.channel().queue_unbind("for_task_B", "for_task_B", "for_task_B", OWNED)
    client.send_task("tasks.taskB", (1, 2, 3))
    client.send_task("tasks.taskA", (1, 2))
    client.send_task("tasks.taskA", (3, 4))
    wait_until(lambda: broker.ready(UNROUTABLE) == 1 and broker.ready("for_task_A") == 2, "the tasks in place")
    wait_until(lambda: listed(broker, "for_task_A"), "the management API's statistics of the queues")


def listed(broker: Broker, queue: str) -> bool:
    """The management API's statistics show the queue's head message (they lag by its statistics interval)."""
    activity = {q.name: q for q in read_traffic(broker.management(), broker.vhost).queues}
    return queue in activity and activity[queue].head_timestamp is not None and activity[queue].unacked is not None


def test_metrics_equal_what_inspect_reports_of_the_same_vhost(broker: Broker, seed: Path, client: Celery) -> None:
    drifted_and_kept(broker, seed, client)
    started = time.time()
    inspected = broker.cli("inspect", "--format", "json", file=seed)
    metrics = broker.cli("metrics", file=seed)
    at = time.time()
    assert metrics.returncode == 0, metrics.stderr
    assert_equal(scraped(metrics.stdout), expected(json.loads(inspected.stdout), at), at - started)
    names = {family.name for family in text_string_to_metric_families(metrics.stdout)}
    assert names == {metric.name for metric in METRICS}
    assert f'vhost="{broker.vhost}"' in metrics.stdout
    got = scraped(metrics.stdout)
    assert got[("topology_net_messages", (("net", "unroutable"), ("task", "tasks.taskB")))] == 1
    assert got[("topology_drift_findings", (("code", "missing_binding"),))] == 1
    assert got[("topology_queue_messages_ready", (("queue", "for_task_A"),))] == 2
    assert got[("topology_queue_consumers", (("queue", "default"),))] == 1
    assert got[("topology_queue_messages_unacked", (("queue", "for_task_A"),))] == 0
    assert got[("topology_queue_oldest_message_age_seconds", (("queue", "for_task_A"),))] >= 0
    assert got[("topology_routed_queues_without_consumers", ())] == 2  # for_task_A and for_task_B

    textfile = broker.tmp / "topology.prom"
    as_json = broker.cli("metrics", "-o", str(textfile), "--format", "json", file=seed)
    assert as_json.returncode == 0, as_json.stderr
    samples = envelope(as_json.stdout)["data"]["samples"]
    assert {s["name"] for s in samples} == names
    assert scraped(textfile.read_text()).keys() == got.keys()

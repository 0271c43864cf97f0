"""monitoring/: the alert rules checked and unit-tested by promtool (Debian's prometheus package, installed by
scripts/test), and the rules' and the Grafana dashboard's metric names exactly the exporter's."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time

import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ROOT, SEED
from topology.commands.inspect import inspect_topology
from topology.commands.metrics import metrics_of
from topology.language.loader import parse_topology
from topology.planning.observed import LiveState
from topology.testing.fake_session import FakeSession
from topology.web.exposition import exposition

MONITORING = ROOT / "monitoring"
NAME = re.compile(r"\btopology_[a-z_]+\b")


def exported_names() -> set[str]:
    """The metric families the exporter writes (HELP and TYPE even without a sample: an empty vhost)."""
    session = FakeSession(LiveState("v", {}, {}, frozenset()))
    report = inspect_topology(parse_topology(SEED), session, replies=lambda _: ())
    text = exposition(metrics_of(report, time.time())).decode()
    return {family.name for family in text_string_to_metric_families(text)}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    assert tool is not None, "promtool is needed: scripts/test installs it (apt-get install prometheus)"
    return subprocess.run([tool, *args], cwd=MONITORING, capture_output=True, text=True, timeout=60, check=False)


def test_the_alert_rules_pass_promtools_check_and_their_unit_tests() -> None:
    checked = promtool("check", "rules", "alerts.yml")
    assert checked.returncode == 0 and "SUCCESS: 4 rules found" in checked.stdout, checked.stdout + checked.stderr
    tested = promtool("test", "rules", "alerts_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_the_rules_watch_the_four_things_asked_with_the_exporters_names() -> None:
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"][0]["rules"]
    used = {rule["alert"]: set(NAME.findall(rule["expr"])) for rule in rules}
    assert used == {
        "TopologyTasksKeptInNet": {"topology_net_messages"},
        "TopologyRoutedQueueWithoutConsumer": {"topology_routed_queues_without_consumers"},
        "TopologyDrift": {"topology_drift_findings"},
        "TopologyBacklogAge": {"topology_queue_oldest_message_age_seconds"},
    }
    assert set().union(*used.values()) <= exported_names()


def test_the_dashboard_shows_every_metric_the_exporter_writes_and_no_other() -> None:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    queries += [v["definition"] for v in dashboard["templating"]["list"] if "definition" in v]
    assert {name for query in queries for name in NAME.findall(query)} == exported_names()

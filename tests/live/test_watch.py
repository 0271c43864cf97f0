"""`metrics` and `serve` on a real broker with a real worker: every metric equal to what `inspect --format
json` reports of the same vhost, no password anywhere, and the page in a real headless Chromium."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from celery import Celery
from playwright.sync_api import Dialog, sync_playwright
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import OWNED, ROOT, envelope
from tests.live.conftest import Broker, wait_until
from tests.live.test_apply_inspect import admin_api, user_with_tags
from topology.broker.activity import read_traffic
from topology.codes import Code, Group
from topology.commands.metrics import METRICS
from topology.language.loader import load_topology
from topology.web.app import TOKEN_HEADER

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
    wait_until(lambda: settled(broker, seed), "the management API's statistics of the queues")


def settled(broker: Broker, seed: Path) -> bool:
    """The management API's statistics (which lag by their interval) agree with AMQP's live counts for every
    queue of the seed, with the head message's timestamp of each that holds some."""
    activity = {q.name: q for q in read_traffic(broker.management(), broker.vhost).queues}
    queues = [q.name for q in load_topology(seed).on_broker.queues]
    return all(
        name in activity
        and activity[name].unacked is not None
        and activity[name].ready == broker.ready(name)
        and (activity[name].head_timestamp is not None or not activity[name].ready)
        for name in queues
    )


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


SECRET = "user-secret"  # the password of the user serve runs as (tests.live.test_apply_inspect.user_with_tags)


@dataclass
class Served:
    url: str
    token: str
    process: subprocess.Popen[str]
    log: Path

    def get(self, path: str, **headers: str) -> str:
        request = urllib.request.Request(self.url + path.lstrip("/"), headers=headers)
        with urllib.request.urlopen(request, timeout=30) as answer:
            return str(answer.read().decode())

    def post(self, path: str, body: object, **headers: str) -> tuple[int, dict[str, Any]]:
        data = json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path.lstrip("/"), data, {"Content-Type": "application/json", **headers}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read())


@contextmanager
def served(broker: Broker, seed: Path, options: list[str]) -> Iterator[Served]:
    """`serve` on a free port, reading every second, as the user `options` name; stopped by its PID."""
    log = broker.tmp / "serve.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "topology", "serve", "--port", "0", "--interval", "1", *options],
        cwd=ROOT,
        env=broker.env(seed),
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )
    try:
        assert process.stdout is not None
        said = [process.stdout.readline() for _ in range(3)]
        url = said[0].split()[1]
        token = said[1].rsplit(" ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:") and token, said
        yield Served(url, token, process, log)
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=30)
        log.write_text(log.read_text() + "".join(said) + out)


def unbind_by_hand(broker: Broker, queue: str) -> None:
    """Remove the queue's binding from its exchange of the same name through the management API, as its UI does."""
    path = f"/bindings/{quote(broker.vhost, safe='')}/e/{queue}/q/{queue}"
    _, bindings = admin_api(broker, "GET", path)
    assert isinstance(bindings, list)
    [binding] = bindings
    admin_api(broker, "DELETE", f"{path}/{binding['properties_key']}")


EDGE_STROKE = """([source, target]) => {
    const edge = [...document.querySelectorAll('#picture g.edge')]
        .find(g => g.querySelector('title').textContent === source + '->' + target);
    return edge ? edge.querySelector('path').getAttribute('stroke') : null;
}"""
READY = "(queue) => document.querySelector(`#queues tr[data-queue='${queue}'] td:nth-child(2)`)?.textContent"


def test_the_page_shows_the_seed_live_in_headless_chromium(broker: Broker, seed: Path, client: Celery) -> None:
    """The page loads with every queue of the seed, a task sent shows in the counts, a binding removed by hand
    turns red without a reload, a kept task is discarded behind the token and a confirmation; /metrics equals
    inspect's JSON; no page, answer or log shows the password serve was given."""

    chromium = shutil.which("chromium")
    assert chromium is not None, "Debian's chromium is needed: scripts/test installs it (apt-get install chromium)"
    topology = load_topology(seed)
    ladder = topology.nets.delays.names if topology.nets.delays is not None else frozenset()
    queues = [q.name for q in topology.on_broker.queues if q.name not in ladder]  # the ladder: inspect's one line
    shots = broker.tmp / "screenshots"
    with user_with_tags(broker, "administrator") as (_, options), served(broker, seed, options) as serve:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            answered: list[str] = []

            def answer(dialog: Dialog) -> None:
                answered.append(dialog.message)
                dialog.accept()

            def said(text: str) -> None:
                """Wait for an alert saying `text` (the browser's events come in while playwright waits)."""
                for _ in range(300):
                    if answered and text in answered[-1]:
                        return
                    page.wait_for_timeout(100)
                raise AssertionError(f"no alert said {text!r}: {answered}")

            page.on("dialog", answer)
            page.goto(serve.url)
            page.wait_for_selector("#picture svg")
            shown = page.eval_on_selector_all("#queues tbody tr", "rows => rows.map(row => row.dataset.queue)")
            assert shown == queues
            nodes = page.eval_on_selector_all("#picture g.node title", "titles => titles.map(t => t.textContent)")
            assert {f"queue:{name}" for name in queues} <= set(nodes)
            assert page.evaluate(EDGE_STROKE, ["exchange:for_task_B", "queue:for_task_B"]) == "black"
            page.screenshot(path=str(shots / "healthy.png"), full_page=True)

            client.send_task("tasks.taskA", (1, 2))
            page.wait_for_function(f"() => ({READY})('for_task_A') === '1'")

            unbind_by_hand(broker, "for_task_B")
            page.wait_for_function(f"() => ({EDGE_STROKE})(['exchange:for_task_B', 'queue:for_task_B']) === 'red'")
            assert page.locator("#findings li.drift[data-code=missing_binding]").count() == 1
            page.screenshot(path=str(shots / "binding-removed.png"), full_page=True)

            kept = client.send_task("tasks.taskB", (1, 2, 3))
            page.wait_for_selector(f"#kept td:text-is('{kept.id}')")
            # replay goes through `replay`: refused while the broker lacks the binding, the task kept
            status, replayed = serve.post(
                "api/replay", {"net": "unroutable", "ids": [kept.id]}, **{TOKEN_HEADER: serve.token}
            )
            assert status == 200 and replayed["exit_code"] == 1 and replayed["replayed"] == 0, replayed
            assert any("for_task_B" in pending for pending in replayed["pending"])

            def still_kept() -> bool:  # serve's reads hold it unacked for a moment
                return broker.ready(UNROUTABLE) == 1

            wait_until(still_kept, "the task still kept")
            page.locator("#kept button:text-is('discard')").click()  # no token: refused
            said("discard refused")
            wait_until(still_kept, "the task still kept")
            page.fill("#token", serve.token)
            page.locator("#kept button:text-is('discard')").click()
            said('"discarded":1')
            assert answered[-2].startswith("Discard for good") and broker.ready(UNROUTABLE) == 0
            page.wait_for_function("() => document.querySelectorAll('#kept tbody tr').length === 0")

            page.locator("#queues tr[data-queue=for_task_A]").click()  # focuses the picture on the queue
            page.wait_for_function(
                "() => ![...document.querySelectorAll('#picture g.node title')].some(t => t.textContent === "
                "'queue:for_task_B')"
            )
            assert page.inner_text("#focus") == "for_task_A"
            page.screenshot(path=str(shots / "focused.png"), full_page=True)
            everything = [page.content(), serve.get("api/state"), "\n".join(answered)]
            browser.close()
        print(f"screenshots: {shots}")

        # the management API's statistics settled, and serve's read made after that
        wait_until(lambda: settled(broker, seed), "the management API's statistics of the queues")
        after = json.loads(serve.get("api/state"))["tick"] + 1
        wait_until(lambda: json.loads(serve.get("api/state"))["tick"] > after, "serve's next read")
        started = time.time()
        scrape = serve.get("metrics")
        inspected = broker.cli("inspect", "--format", "json", file=seed)
        at = time.time()
        assert_equal(scraped(scrape), expected(json.loads(inspected.stdout), at), at - started + 1)
        assert f'vhost="{broker.vhost}"' in scrape

        status, refused = serve.post("api/replay", {"net": "unroutable", "ids": []}, **{TOKEN_HEADER: "wrong"})
        assert status == 403 and "token" in refused["error"]
    everything += [scrape, serve.log.read_text()]
    assert all(SECRET not in text for text in everything)
    assert "Traceback" not in serve.log.read_text()


def test_serve_says_why_it_cannot_read_without_the_password_and_refuses_a_port_in_use(
    broker: Broker, seed: Path
) -> None:
    """A broker nobody answers on: the page says why, /metrics answers 503, and neither they nor the log show
    the password; serve keeps reading. A port in use: one line, exit 2."""
    options = ["--broker", f"amqp://someone:{SECRET}@127.0.0.1:1/x", "--management-url", "http://127.0.0.1:1"]
    with served(broker, seed, options) as serve:
        wait_until(lambda: "127.0.0.1:1" in json.loads(serve.get("api/state"))["error"], "the read's error")
        state = serve.get("api/state")
        with pytest.raises(urllib.error.HTTPError) as unavailable:
            serve.get("metrics")
        assert unavailable.value.code == 503
        said = [state, unavailable.value.read().decode(), serve.get("")]
    said.append(serve.log.read_text())
    assert all(SECRET not in text for text in said) and "someone:***@" in said[0], said
    assert "Traceback" not in said[-1]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        in_use = broker.cli("serve", "--port", port, file=seed)
    assert in_use.returncode == 2 and in_use.stderr.startswith(f"serve cannot listen on 127.0.0.1:{port}"), in_use

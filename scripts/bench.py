"""plan / apply / inspect at scale, against RabbitMQ's own definitions import, measured in one run.

For each size S, a generated topology (exchanges : queues : bindings = 1 : 3 : 6, direct and topic,
every tenth queue quorum) goes into fresh vhosts, each deleted afterwards:
  baseline  `rabbitmqctl import_definitions` of the same objects, timed until every object exists
            (the command returns before the import is done), or POST /api/definitions without rabbitmqctl;
  naive     one kombu Exchange/Queue/binding declare after another (what Celery does on first publish);
  topology  cold apply (empty cache of checked files), warm re-apply (cache filled by the cold apply, and
            without it), plan and inspect (JSON, and the text table), each a CLI process (wall time,
            peak RSS); the warm figures are the median of --repeat runs, since the broker's own answer
            time varies by +-30%.
Every figure is also printed as a ratio to the baseline.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import kombu
from rich.console import Console
from rich.table import Table

from topology import hints
from topology.broker.management import ManagementClient
from topology.broker.settings import Settings, resolve_settings
from topology.language.loader import check_text, load_topology, parse_topology
from topology.model import Queue, Topology
from topology.planning.plan import plan
from topology.testing.synthetic import object_count, synthetic_yaml

ROOT = Path(__file__).resolve().parent.parent
BASE_BROKER = os.environ.get("CELERY_BROKER_URL", "amqp://guest:guest@localhost:5672/")
console = Console(highlight=False, width=120)  # the table fits a log file too


@dataclass
class Figure:
    seconds: float
    memory_mb: float | None = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="Objects per topology, comma-separated.")
    parser.add_argument("--repeat", type=int, default=5, help="Runs of each warm step; the median is shown.")
    arguments = parser.parse_args()
    # stopped by `timeout` or a CI runner: unwind like Ctrl-C, so that the vhosts made so far are deleted
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sizes = [int(s) for s in arguments.sizes.split(",")]
    base = resolve_settings(BASE_BROKER)
    queues = max(sizes) * 3 // 10
    for node in ManagementClient(base.management).nodes() or []:
        if (node.file_descriptors or 0) < queues:  # measured: 927 usable handles made 3,000 queues crawl
            limit = hints.file_limit(node.name, node.file_descriptors)
            console.print(f"[yellow]warning:[/] {limit}: {queues} queues will wait on file handles")
    results = {size: run_size(base, size, arguments.repeat) for size in sizes}
    print_table(sizes, results)


def run_size(base: Settings, size: int, repeat: int) -> dict[str, Figure]:
    text = synthetic_yaml(size)
    topology = parse_topology(text)
    console.print(
        f"[bold]S = {object_count(size)} objects[/] ({len(topology.exchanges)} exchanges, "
        f"{len(topology.queues)} queues, {len(topology.all_bindings())} bindings)"
    )
    with tempfile.TemporaryDirectory(prefix="topology-bench-") as directory:
        work = Path(directory)
        path = work / "routing.yaml"
        path.write_text(text)
        return measure_size(base, size, repeat, topology, work, path)


def measure_size(
    base: Settings, size: int, repeat: int, topology: Topology, work: Path, path: Path
) -> dict[str, Figure]:
    figures: dict[str, Figure] = {}
    with vhost(base, f"bench-import-{size}") as settings:
        figures["import_definitions"] = import_definitions(settings, topology, work, object_count(size))
    with vhost(base, f"bench-naive-{size}") as settings:
        figures["naive kombu loop"] = naive_kombu(settings, topology)
    with vhost(base, f"bench-apply-{size}") as settings:
        cache = {"TOPOLOGY_CACHE_DIR": str(work / "cache")}
        figures["cold apply"] = cli(settings, path, "apply", env=cache)
        figures["warm re-apply (nothing to do)"] = median(repeat, cli, settings, path, "apply", env=cache)
        uncached = {"TOPOLOGY_CACHE": "off"}
        figures["warm re-apply, no cache"] = median(repeat, cli, settings, path, "apply", env=uncached)
        figures["plan"] = median(repeat, cli, settings, path, "plan", env=cache)
        figures["inspect"] = median(repeat, cli, settings, path, "inspect", "--format", "json", env=cache)
        figures["inspect, text table"] = median(repeat, cli, settings, path, "inspect", env=cache)
        figures["metrics (one-shot textfile)"] = median(repeat, cli, settings, path, "metrics", env=cache)
        figures |= serve_scrape(settings, path, repeat, env=cache)
        figures |= in_process(settings, path, work / "cache", repeat)
    return figures


@contextmanager
def vhost(base: Settings, name: str) -> Iterator[Settings]:
    """A fresh vhost for one measurement, deleted afterwards (with everything in it)."""
    management = ManagementClient(base.management)
    management.delete_vhost(name)
    management.create_vhost(name)
    try:
        yield resolve_settings(base.broker.url(secret=True).rsplit("/", 1)[0] + "/" + quote(name, safe=""))
    finally:
        management.delete_vhost(name)


def definitions(topology: Topology, vhost_name: str) -> dict[str, object]:
    """The topology as RabbitMQ's definitions file (what `rabbitmqctl export_definitions` writes)."""
    return {
        "exchanges": [
            {
                "name": e.name,
                "vhost": vhost_name,
                "type": e.type.value,
                "durable": e.durable,
                "auto_delete": e.auto_delete,
                "internal": e.internal,
                "arguments": dict(e.arguments),
            }
            for e in topology.exchanges
        ],
        "queues": [
            {
                "name": q.name,
                "vhost": vhost_name,
                "durable": q.durable,
                "auto_delete": q.auto_delete,
                "arguments": q.declared().wire_arguments(),
            }
            for q in topology.queues
        ],
        "bindings": [
            {
                "source": b.exchange,
                "vhost": vhost_name,
                "destination": d.name,
                "destination_type": "queue" if isinstance(d, Queue) else "exchange",
                "routing_key": b.routing_key,
                "arguments": dict(b.arguments),
            }
            for d, b in topology.all_bindings()
        ],
    }


def import_definitions(settings: Settings, topology: Topology, work: Path, expected: int) -> Figure:
    data = definitions(topology, settings.vhost)
    file = work / "definitions.json"  # read by the broker's node, which runs as another user
    file.write_text(json.dumps(data))
    work.chmod(0o755)
    file.chmod(0o644)
    rabbitmqctl = shutil.which("rabbitmqctl")
    management = ManagementClient(settings.management)
    start = time.perf_counter()
    if rabbitmqctl:
        done = subprocess.run([rabbitmqctl, "import_definitions", str(file)], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"bench: rabbitmqctl import_definitions failed: {done.stdout}{done.stderr}")
    else:
        console.print("rabbitmqctl is not on PATH: the baseline is POST /api/definitions instead")
        management.import_definitions(settings.vhost, data)
    wait_for(lambda: count(management, settings.vhost) >= expected)
    return Figure(time.perf_counter() - start)


def count(management: ManagementClient, vhost_name: str) -> int:
    state = management.state(vhost_name)
    exchanges = sum(1 for name in state.exchanges if name and not name.startswith("amq."))
    return exchanges + len(state.queues) + len(state.bindings)


def wait_for(condition: Callable[[], bool], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("bench: timed out waiting for the broker")
        time.sleep(0.05)


def naive_kombu(settings: Settings, topology: Topology) -> Figure:
    """Each exchange, queue and binding declared one after another, waiting for each reply."""
    exchanges = {
        e.name: kombu.Exchange(e.name, e.type.value, durable=e.durable, arguments=dict(e.arguments) or None)
        for e in topology.exchanges
    }
    start = time.perf_counter()
    with kombu.Connection(settings.broker.url(secret=True)) as connection:
        channel = connection.channel()
        for exchange in exchanges.values():
            exchange(channel).declare()
        for queue in topology.queues:
            bindings = [kombu.binding(exchanges[b.exchange], routing_key=b.routing_key) for b in queue.bindings]
            declared = kombu.Queue(
                queue.name,
                bindings=bindings,
                durable=queue.durable,
                queue_arguments=queue.declared().wire_arguments() or None,
            )
            declared(channel).declare()
    return Figure(time.perf_counter() - start)


def median(repeat: int, measure: Callable[..., Figure], *args: object, **kwargs: object) -> Figure:
    """The median time of `repeat` runs, with the highest peak memory among them."""
    figures = [measure(*args, **kwargs) for _ in range(repeat)]
    peaks = [f.memory_mb for f in figures if f.memory_mb is not None]
    return Figure(statistics.median(f.seconds for f in figures), max(peaks) if peaks else None)


MEASURED_RUN = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""
"""Runs a command, then prints its wall seconds, peak RSS (KB) and exit code. A child's peak RSS counts the
memory of the process it was forked from (Linux keeps the high-water mark across exec): forked from this
small launcher, the CLI's figure is its own, not the 70 MB of the bench that holds the generated topology."""


def cli(settings: Settings, path: Path, *command: str, env: dict[str, str]) -> Figure:
    """Wall time and peak resident memory of `python -m topology <command>` as a user runs it."""
    env = {**os.environ, "CELERY_BROKER_URL": settings.broker.url(secret=True), "PYTHONPATH": str(ROOT), **env}
    argv = [sys.executable, "-m", "topology", *command, "-f", str(path)]
    launched = subprocess.run(
        [sys.executable, "-S", "-c", MEASURED_RUN, *argv], cwd=ROOT, env=env, capture_output=True, text=True
    )
    seconds, peak_kb, code = launched.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"bench: `topology {' '.join(command)}` exited {code}: {launched.stderr}")
    return Figure(float(seconds), int(peak_kb) / 1024)


def serve_scrape(settings: Settings, path: Path, repeat: int, env: dict[str, str]) -> dict[str, Figure]:
    """`serve`'s one shared read per interval (inspect's, in process), and a Prometheus scrape of /metrics
    (answered from the latest read) against the running server."""
    from topology.web.watch import read_vhost

    topology = load_topology(path)
    figures = {"serve: one read of the vhost": median(repeat, timed, lambda: read_vhost(settings, topology))}
    env = {**os.environ, "CELERY_BROKER_URL": settings.broker.url(secret=True), "PYTHONPATH": str(ROOT), **env}
    argv = [sys.executable, "-m", "topology", "serve", "--port", "0", "--interval", "5", "-f", str(path)]
    server = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().split()[1] + "metrics"
        wait_for(lambda: _answers(url), timeout=120)
        figures["serve: /metrics scrape"] = median(repeat, timed, lambda: urllib.request.urlopen(url).read())
    finally:
        server.terminate()
        server.wait()
    return figures


def _answers(url: str) -> bool:
    try:
        return bool(urllib.request.urlopen(url).status == 200)
    except OSError:
        return False


def in_process(settings: Settings, path: Path, cache: Path, repeat: int) -> dict[str, Figure]:
    """Where a warm run's time goes: checking the file (or reading its cached check), reading the vhost,
    computing the plan; each the median of `repeat` runs, with cyclic GC off as in the CLI. (The CLI reads
    the vhost on a thread while the file loads: its wall time is not the sum of these.)"""
    os.environ["TOPOLOGY_CACHE_DIR"] = str(cache)  # filled by the CLI runs
    management = ManagementClient(settings.management)
    steps: dict[str, Callable[[], object]] = {
        "  of which: check routing.yaml (no cache)": lambda: check_text(path.read_text(), str(path)),
        "  of which: read the cached check": lambda: load_topology(path),
        "  of which: read vhost definitions": lambda: management.state(settings.vhost),
    }
    topology, state = load_topology(path), management.state(settings.vhost)
    steps["  of which: compute the plan"] = lambda: plan(topology, state)
    gc.disable()
    try:
        return {label: median(repeat, timed, step) for label, step in steps.items()}
    finally:
        gc.enable()


def timed(step: Callable[[], object]) -> Figure:
    start = time.perf_counter()
    step()
    return Figure(time.perf_counter() - start)


def python_speed() -> float:
    """Seconds for ten million additions in a Python loop: machines of the same kind differ up to 2x."""
    start, total = time.perf_counter(), 0
    for number in range(10_000_000):
        total += number
    return time.perf_counter() - start


def print_table(sizes: list[int], results: dict[int, dict[str, Figure]]) -> None:
    table = Table(title="scripts/bench: seconds, and the ratio to rabbitmqctl import_definitions")
    table.add_column("step")
    for size in sizes:
        table.add_column(f"S={object_count(size)} s", justify="right")
        table.add_column("ratio", justify="right")
        table.add_column("peak MB", justify="right")
    for step in results[sizes[0]]:
        row = [step]
        for size in sizes:
            figure, baseline = results[size][step], results[size]["import_definitions"].seconds
            row += [
                f"{figure.seconds:.2f}",
                f"{figure.seconds / baseline:.2f}x",
                f"{figure.memory_mb:.0f}" if figure.memory_mb else "",
            ]
        table.add_row(*row)
    console.print(table)
    console.print(
        f"RabbitMQ {rabbit_version()}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
        f"this machine's Python speed: 10M additions in {python_speed():.2f} s"
    )


def rabbit_version() -> str:
    """RabbitMQ's version and its file descriptor limit, which decides how fast thousands of queues go."""
    management = ManagementClient(resolve_settings(BASE_BROKER).management)
    version = management.overview().get("rabbitmq_version", "?")
    limits = [str(n.file_descriptors) for n in management.nodes() or []]
    return f"{version} ({', '.join(limits) or 'unknown'} file descriptors)"


if __name__ == "__main__":
    main()

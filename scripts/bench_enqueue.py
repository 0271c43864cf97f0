"""Enqueue throughput: Celery's apply_async (confirmed, the default, and unconfirmed), raw pika, and send_many.

One run, in a fresh vhost made for it (the seed's routing.yaml applied) and deleted afterwards. Every
variant sends tasks.taskA(i, i) to its durable queue as persistent messages, in a process of its own
(started through bench.py's MEASURED_RUN launcher, so that its peak RSS is its own), after the queue is
emptied; its rate is measured inside it, from the first send to the last (confirmed) one. Celery's
result backend is disabled here: with rpc://, every apply_async also re-declares its reply queue (a
round trip, auto-delete queues are never cached), which would flatter send_many.
  apply_async, unconfirmed  a loop of task.apply_async with confirms turned off (confirm_publish False)
  apply_async, confirms    the same as the project configures it: each publish waits for the broker's ack
  raw pika               pika's BlockingConnection publishing one pre-built Celery message: the ceiling
  send_many              topology.send_many, every task confirmed (iter_send_many with --million)
`--confirms` measures the two apply_async variants alone, one after the other in the same run, and
prints the ratio: what confirmed publishing costs a caller that sends tasks one by one.
Then drain: how many of these short tasks one worker (-P solo) executes per second with the project's
settings (prefetch multiplier 1, acks_late), and with prefetch 4 and 16.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pika
from bench import MEASURED_RUN, ROOT, console, vhost
from celery import Celery
from rich.table import Table

from topology.broker.settings import Settings, resolve_settings
from topology.celery_adapter.config import configure
from topology.language.loader import load_topology

BASE_BROKER = os.environ.get("CELERY_BROKER_URL", "amqp://guest:guest@localhost:5672/")
QUEUE, TASK = "for_task_A", "tasks.taskA"
UNCONFIRMED, CONFIRMED = "apply_async, unconfirmed", "apply_async, confirms"
VARIANTS = (UNCONFIRMED, CONFIRMED, "raw pika", "send_many")
DELAYED = ", countdown=600"
DELAY_VARIANTS = (CONFIRMED, CONFIRMED + DELAYED, "send_many", "send_many" + DELAYED)
"""A delayed task goes into the delay ladder (celery_adapter/delays.py); send_many sends each through apply_async."""
PREFETCH = (1, 4, 16)
DRAIN_TASKS = 3000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", help="Tasks per variant, comma-separated (10000,100000; 2000 with --confirms).")
    parser.add_argument("--million", action="store_true", help="Also stream 1,000,000 tasks through send_many.")
    parser.add_argument("--confirms", action="store_true", help="Only apply_async with and without confirms.")
    parser.add_argument(
        "--delays", action="store_true", help="Delayed tasks (countdown=600) against plain ones, and a worker's RSS."
    )
    parser.add_argument("--child", nargs=4, metavar=("VARIANT", "N", "URL", "FILE"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        variant, count, url, file = arguments.child
        return child(variant, int(count), url, Path(file))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so that the vhost is deleted
    sizes = [int(s) for s in (arguments.sizes or ("2000" if arguments.confirms else "10000,100000")).split(",")]
    with tempfile.TemporaryDirectory(prefix="topology-bench-enqueue-") as directory:
        work = Path(directory)
        routing = work / "routing.yaml"
        routing.write_text((ROOT / "routing.yaml").read_text())
        with vhost(resolve_settings(BASE_BROKER), "bench-enqueue") as settings:
            applied = run_cli(settings, routing, "apply")
            if applied.returncode != 0:
                raise SystemExit(f"bench: apply failed: {applied.stdout}{applied.stderr}")
            if arguments.delays:
                size = sizes[0] if arguments.sizes else 20_000
                rates = {v: measure(settings, routing, v, size, work) for v in DELAY_VARIANTS}
                return print_delays(size, rates, worker_rss(settings, routing, size, work))
            if arguments.confirms:
                costs = {
                    s: {v: measure(settings, routing, v, s, work) for v in (UNCONFIRMED, CONFIRMED)} for s in sizes
                }
                return print_confirm_cost(costs)
            results = {size: {v: measure(settings, routing, v, size, work) for v in VARIANTS} for size in sizes}
            million = measure(settings, routing, "send_many", 1_000_000, work) if arguments.million else None
            drains = {prefetch: drain_rate(settings, routing, prefetch, work) for prefetch in PREFETCH}
    print_tables(sizes, results, million, drains)


def app_for(url: str, file: Path) -> Celery:
    app = configure(Celery("bench", set_as_current=False), load_topology(file), broker_url=url)
    app.conf.result_backend = "disabled"
    app.task(name=TASK, shared=False)(task_a)
    return app


def task_a(x: int, y: int) -> int:
    return x * y


def child(variant: str, count: int, url: str, file: Path) -> None:
    """One variant, in the process the launcher measures; its rate goes to stderr as JSON."""
    app = app_for(url, file)
    if variant == UNCONFIRMED:
        app.conf.broker_transport_options = {**app.conf.broker_transport_options, "confirm_publish": False}
    task = app.tasks[TASK]
    items = ((i, i) for i in range(count))
    options = {"countdown": 600} if variant.endswith(DELAYED) else {}
    variant = variant.removesuffix(DELAYED)
    start = time.perf_counter()
    if variant.startswith("apply_async"):
        for args in items:
            task.apply_async(args, **options)
    elif variant == "raw pika":
        raw_pika(app, url, count)
    elif count >= 1_000_000:
        from topology import iter_send_many

        sent = sum(1 for _ in iter_send_many(task, items))
        assert sent == count
    else:
        from topology import send_many

        assert len(send_many(task, items, **options)) == count
    print(json.dumps({"rate": count / (time.perf_counter() - start)}), file=sys.stderr)
    app.close()


def raw_pika(app: Celery, url: str, count: int) -> None:
    """A Celery message made once, then published `count` times: no per-task work but pika's own."""
    headers, properties, body, _ = app.amqp.create_task_message("0" * 36, TASK, (1, 1), {}, reply_to="")
    props = pika.BasicProperties(
        content_type="application/json",
        content_encoding="utf-8",
        headers=headers,
        delivery_mode=2,
        priority=0,
        correlation_id=properties["correlation_id"],
    )
    data = json.dumps(body).encode()
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    for _ in range(count):
        channel.basic_publish(QUEUE, QUEUE, data, props)
    connection.close()


def measure(settings: Settings, routing: Path, variant: str, count: int, work: Path) -> tuple[float, float]:
    """Tasks per second and peak RSS (MB) of one variant, in a fresh process, on an empty queue."""
    purge(settings)
    url = settings.broker.url(secret=True)
    argv = [sys.executable, str(Path(__file__)), "--child", variant, str(count), url, str(routing)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TOPOLOGY_CACHE_DIR": str(work / "cache")}
    env["CELERY_BROKER_URL"] = url  # Celery prefers it to the app's broker_url: it must name the bench's vhost
    launched = subprocess.run(
        [sys.executable, "-S", "-c", MEASURED_RUN, *argv], cwd=ROOT, env=env, capture_output=True, text=True
    )
    _, peak_kb, code = launched.stdout.split()
    if int(code) != 0:
        raise SystemExit(f"bench: {variant} with {count} tasks exited {code}: {launched.stderr}")
    rate = json.loads(launched.stderr.strip().splitlines()[-1])["rate"]
    console.print(f"  {variant:<24} {count:>9,} tasks: {rate:8,.0f} tasks/s, peak {int(peak_kb) / 1024:.0f} MB")
    return rate, int(peak_kb) / 1024


def purge(settings: Settings) -> None:
    with connection(settings) as channel:
        channel.queue_purge(QUEUE)


@contextmanager
def connection(settings: Settings) -> Iterator[pika.adapters.blocking_connection.BlockingChannel]:
    opened = pika.BlockingConnection(pika.URLParameters(settings.broker.url(secret=True)))
    try:
        yield opened.channel()
    finally:
        opened.close()


def counts(settings: Settings) -> tuple[int, int]:
    with connection(settings) as channel:
        method = channel.queue_declare(QUEUE, passive=True).method
        return int(method.message_count), int(method.consumer_count)


def drain_rate(settings: Settings, routing: Path, prefetch: int, work: Path) -> float:
    """Tasks per second one solo worker executes, from its consumer appearing to the queue being empty."""
    from topology import send_many

    purge(settings)
    url = settings.broker.url(secret=True)
    app = app_for(url, routing)
    send_many(app.tasks[TASK], ((i, i) for i in range(DRAIN_TASKS)), ignore_result=True)
    app.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CELERY_BROKER_URL": url, "TOPOLOGY_FILE": str(routing)}
    env |= {"CELERY_RESULT_BACKEND": "disabled", "TOPOLOGY_CACHE_DIR": str(work / "cache")}
    argv = ["worker", "-P", "solo", "-Q", QUEUE, "-l", "warning", "--prefetch-multiplier", str(prefetch)]
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tasks", *argv, "-n", f"bench-{prefetch}@%h"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while counts(settings)[1] == 0:
            if worker.poll() is not None:
                raise SystemExit(f"bench: the worker exited ({worker.returncode})")
            time.sleep(0.02)
        start = time.perf_counter()
        while counts(settings)[0] > 0:
            time.sleep(0.02)
        rate = DRAIN_TASKS / (time.perf_counter() - start)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    console.print(f"  drain, prefetch {prefetch:<3} {DRAIN_TASKS:>9,} tasks: {rate:8,.0f} tasks/s")
    return rate


def worker_rss(settings: Settings, routing: Path, count: int, work: Path) -> tuple[float, float]:
    """A solo worker's RSS (MB) once it consumes, and again once `count` tasks due in 10 minutes were sent to its
    queue (they wait in the delay ladder, not in the worker)."""
    from topology import send_many

    purge(settings)
    url = settings.broker.url(secret=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CELERY_BROKER_URL": url, "TOPOLOGY_FILE": str(routing)}
    env |= {"CELERY_RESULT_BACKEND": "disabled", "TOPOLOGY_CACHE_DIR": str(work / "cache")}
    argv = ["worker", "-P", "solo", "-Q", QUEUE, "-l", "warning", "-n", "bench-rss@%h"]
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tasks", *argv], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    try:
        while counts(settings)[1] == 0:
            time.sleep(0.1)
        time.sleep(2)
        before = _rss_mb(worker.pid)
        app = app_for(url, routing)
        send_many(app.tasks[TASK], ((i, i) for i in range(count)), countdown=600, ignore_result=True)
        app.close()
        time.sleep(5)
        after = _rss_mb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return before, after


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def print_delays(size: int, rates: dict[str, tuple[float, float]], rss: tuple[float, float]) -> None:
    table = Table(title=f"scripts/bench --enqueue --delays: {size:,} tasks, tasks/s, ratio to the same undelayed")
    for column in ("variant", "tasks/s", "x undelayed", "peak MB"):
        table.add_column(column, justify="left" if column == "variant" else "right")
    for variant, (rate, peak) in rates.items():
        plain = rates[variant.removesuffix(DELAYED)][0]
        table.add_row(variant, f"{rate:,.0f}", f"{rate / plain:.2f}x", f"{peak:.0f}")
    console.print(table)
    console.print(f"worker RSS (-P solo): {rss[0]:.0f} MB consuming, {rss[1]:.0f} MB with {size:,} tasks delayed")


def run_cli(settings: Settings, routing: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CELERY_BROKER_URL": settings.broker.url(secret=True), "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "topology", *command, "-f", str(routing)]
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)


def print_tables(
    sizes: list[int],
    results: dict[int, dict[str, tuple[float, float]]],
    million: tuple[float, float] | None,
    drains: dict[int, float],
) -> None:
    table = Table(title="scripts/bench --enqueue: tasks/s, ratio to confirmed apply_async and to raw pika, peak MB")
    table.add_column("variant")
    for size in sizes:
        for column in (f"N={size:,} tasks/s", "x confirmed", "x pika", "peak MB"):
            table.add_column(column, justify="right")
    for variant in VARIANTS:
        row = [variant]
        for size in sizes:
            rate, peak = results[size][variant]
            confirmed, pika_rate = results[size][CONFIRMED][0], results[size]["raw pika"][0]
            row += [f"{rate:,.0f}", f"{rate / confirmed:.1f}x", f"{rate / pika_rate:.2f}x", f"{peak:.0f}"]
        table.add_row(*row)
    console.print(table)
    if million:
        console.print(f"send_many, 1,000,000 tasks streamed: {million[0]:,.0f} tasks/s, peak RSS {million[1]:.0f} MB")
    drained = ", ".join(f"prefetch {p}: {rate:,.0f} tasks/s" for p, rate in drains.items())
    console.print(f"drain, one worker (-P solo, acks_late), short tasks: {drained}")


def print_confirm_cost(results: dict[int, dict[str, tuple[float, float]]]) -> None:
    table = Table(title="scripts/bench --confirms: apply_async, one task at a time, tasks/s")
    for column in ("tasks", "unconfirmed", "confirmed (the default)", "confirmed / unconfirmed"):
        table.add_column(column, justify="right")
    for size, rates in results.items():
        unconfirmed, confirmed = rates[UNCONFIRMED][0], rates[CONFIRMED][0]
        table.add_row(f"{size:,}", f"{unconfirmed:,.0f}", f"{confirmed:,.0f}", f"{confirmed / unconfirmed:.2f}")
    console.print(table)


if __name__ == "__main__":
    main()

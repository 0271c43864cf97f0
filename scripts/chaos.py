"""The fault harness: every fault of topology.testing.faults on every queue type, one table of what happened.

Each fault runs in a vhost of its own on a private node the script starts (scripts/rabbitmq-node: chaos1 on
AMQP 5821 or --port; its consumer_timeout short, --consumer-timeout, for the delay faults); node-loss runs
on a private 3-node cluster (scripts/cluster, prefix chaosc, 5831-5833). Both are
stopped and deleted at the end, on Ctrl-C and on errors too. Figures are printed, never asserted: the live
tests (tests/live/test_faults.py) assert.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

from rich.console import Console
from rich.table import Table

from topology.testing.faults import (
    BROKER_UNTOUCHED,
    CLUSTER_FAULTS,
    DELAY_FAULTS,
    FAULTS,
    MIGRATIONS,
    QUEUE_TYPES,
    Cluster,
    Endpoint,
    PrivateNode,
    Row,
    Target,
    run_fault,
    started,
)

NODE = PrivateNode("chaos1", "host", 5821)
CLUSTER = Cluster("chaosc", 5830, "host")
HOST = Endpoint("amqp://guest:guest@127.0.0.1:5672", "http://guest:guest@127.0.0.1:15672")
SHOVEL = "rabbitmq_shovel,rabbitmq_shovel_management"
CLASSIC_ONLY = {*MIGRATIONS, "migrate-node-lost"}
"""The migrations turn a classic queue into a quorum queue: they run on classic queues only."""
COLUMNS = ("sent", "accepted", "raised", "blocked", "completed", "duplicated", "kept", "waiting", "lost")
DUPLICATES = (
    "Duplicates are at-least-once delivery at work: a task whose work finished but whose ack (acks_late) never "
    "reached RabbitMQ, because its worker was killed or its connection dropped, is delivered again. In a migration, "
    "also a task published in the instant both the queue and its holding queue are bound: it lands in both."
)
console = Console(highlight=False, width=160)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    everything = [f for f in FAULTS if f not in DELAY_FAULTS]
    parser.add_argument(
        "--faults",
        default=",".join(everything),
        help=f"Comma-separated, of: {', '.join(FAULTS)} (default: all "
        f"but the delay faults, {', '.join(DELAY_FAULTS)}: run them with --faults).",
    )
    parser.add_argument("--counts", type=int, default=300, help="Tasks per flow (fewer for some faults).")
    parser.add_argument("--queue-types", default=",".join(QUEUE_TYPES), help="classic, quorum or both.")
    parser.add_argument("--version", default="host", choices=("host", "4.0", "4.3"), help="RabbitMQ to start.")
    parser.add_argument(
        "--consumer-timeout", type=float, default=20.0, help="Seconds: the private node's consumer_timeout."
    )
    parser.add_argument("--port", type=int, default=NODE.port, help="The private node's AMQP port.")
    parser.add_argument("--format", default="text", choices=("text", "json"))
    parser.add_argument(
        "--on-host", action="store_true", help="Run the faults that leave the broker alone on the machine's own."
    )
    parser.add_argument("--shovel", action="store_true", help="Enable the shovel plugin on the private nodes.")
    parser.add_argument("--cluster-port-base", type=int, default=CLUSTER.port_base, help="The cluster's (+1..3).")
    arguments = parser.parse_args()
    faults = arguments.faults.split(",")
    queue_types = arguments.queue_types.split(",")
    problems = [f"unknown fault {f!r}" for f in faults if f not in FAULTS]
    problems += [f"unknown queue type {q!r}" for q in queue_types if q not in QUEUE_TYPES]
    if arguments.on_host:
        problems += [
            f"{f} touches the broker: not on the host's" for f in faults if f not in {*BROKER_UNTOUCHED, *MIGRATIONS}
        ]
    if problems or arguments.counts < 6:
        for problem in problems or ["--counts: at least 6"]:
            print(f"scripts/chaos: {problem}", file=sys.stderr)
        return 2
    # stopped by `timeout` or a CI runner: unwind like Ctrl-C, so that the nodes are stopped and deleted
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    plugins = SHOVEL if arguments.shovel else ""
    name = f"{NODE.name}-{arguments.port}"
    node = PrivateNode(name, arguments.version, arguments.port, plugins, consumer_timeout=arguments.consumer_timeout)
    cluster = Cluster(CLUSTER.prefix, arguments.cluster_port_base, arguments.version, plugins=plugins)
    rows: list[Row] = []
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="chaos-") as folder:
        targets: dict[str, Target] = {}
        for fault in faults:
            wanted = cluster if fault in CLUSTER_FAULTS else node
            key = "cluster" if fault in CLUSTER_FAULTS else "node"
            if arguments.on_host:
                targets[key] = HOST
            elif key not in targets:
                status(f"starting the private {key} (RabbitMQ {arguments.version}) ...", arguments.format)
                targets[key] = stack.enter_context(started(wanted))
            for queue_type in ["classic"] if fault in CLASSIC_ONLY else queue_types:
                status(f"{fault} on a {queue_type} queue ...", arguments.format)
                rows.append(run_fault(fault, queue_type, targets[key], Path(folder), arguments.counts))
                if arguments.format == "text":
                    console.print(f"  {line(rows[-1])}")
        if not arguments.on_host:
            status("stopping and deleting the private nodes ...", arguments.format)
    if arguments.format == "json":
        print(json.dumps(as_json(rows, arguments.version), indent=2))
    else:
        print_table(rows, arguments.version)
    return 0


def status(message: str, output: str) -> None:
    print(message, file=sys.stderr if output == "json" else sys.stdout, flush=True)


def line(row: Row) -> str:
    return ", ".join(f"{column} {getattr(row, column)}" for column in COLUMNS)


def as_json(rows: list[Row], version: str) -> dict[str, object]:
    """A script's output, not a command's: the figures, not the CLI's envelope (which has no `chaos`)."""
    return {"version": version, "rows": [row.to_json() for row in rows], "duplicates": DUPLICATES}


def print_table(rows: list[Row], version: str) -> None:
    table = Table(title=f"Faults on RabbitMQ {version}, real workers and clients, the generated Celery settings")
    table.caption = "longest pause: the worker's longest time without a completion after the fault"
    timely = ("ordinary wait s", "late p50 s", "late p99 s")
    figures = ("slowest call s", "recovery s", "longest pause s", "total s", *timely)
    for column in ("fault", "queue", *COLUMNS, *figures):
        table.add_column(column, justify="left" if column in ("fault", "queue") else "right", no_wrap=column == "fault")
    for row in rows:
        lost = f"[red]{row.lost}[/]" if row.lost else "0"
        cells = [str(getattr(row, column)) for column in COLUMNS[:-1]]
        measured = (
            row.slowest,
            row.recovery,
            row.pause,
            row.seconds,
            row.ordinary_wait,
            row.lateness_p50,
            row.lateness_p99,
        )
        table.add_row(row.fault, row.queue_type, *cells, lost, *map(seconds, measured))
    console.print(table)
    for note in notes(rows):
        console.print(f"  {note}")
    console.print(DUPLICATES)


def seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def notes(rows: list[Row]) -> Iterator[str]:
    for row in rows:
        for note in row.notes:
            yield f"{row.fault} ({row.queue_type}): {note}"


if __name__ == "__main__":
    sys.exit(main())

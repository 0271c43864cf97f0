"""Messages moved a second by `apply --migrate`'s movers, against draining a queue and re-publishing its tasks
with send_many, measured in the same run on the same broker.

  shovel        RabbitMQ's dynamic shovel (on-confirm), made and waited for as `apply --migrate` does
  replay        the project's confirmed replay (basic.get, publish with a confirm, then ack), the fallback
  drain+send    every message consumed and acknowledged, then its task published again with send_many
                (confirmed, pipelined): what a user without either would write

The machine's broker has no shovel plugin: the shovel is measured on a private node the script starts
(scripts/rabbitmq-node, 4.3, with rabbitmq_shovel), and stopped and deleted afterwards; replay and
drain+send on both. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pika
from celery import Celery
from rich.console import Console
from rich.table import Table

from topology import send_many
from topology.broker.management import ManagementClient
from topology.broker.migrate import move
from topology.broker.settings import Settings, resolve_settings
from topology.celery_adapter.config import configure
from topology.language.loader import load_topology
from topology.planning.migration import Mover
from topology.testing.faults import PrivateNode, started

HOST = ("amqp://guest:guest@127.0.0.1:5672", "http://guest:guest@127.0.0.1:15672")
NODE = PrivateNode("benchmig", "4.3", 5763, "rabbitmq_shovel,rabbitmq_shovel_management")
ROUTING = """\
    unroutable: false
    dead_letters: false
    exchanges:
      bench: {type: direct}
    queues:
      source: {bindings: [{exchange: bench, routing_key: source}]}
      target: {bindings: [{exchange: bench, routing_key: target}]}
    routes:
      bench.moved: target
    default_queue: source
    """
console = Console(highlight=False, width=140)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="Messages per move, comma-separated.")
    parser.add_argument("--no-node", action="store_true", help="Only the machine's broker (no shovel).")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    rows: list[tuple[str, int, str, float]] = []
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-migrate-") as folder:
        brokers = {"host": HOST}
        if not arguments.no_node:
            console.print(f"starting a private RabbitMQ {NODE.version} node with the shovel plugin ...")
            node = stack.enter_context(started(NODE))
            brokers[f"private {NODE.version}"] = (node.amqp[0], node.management)
        for where, (amqp, management) in brokers.items():
            for size in sizes:
                with vhost(amqp, management) as settings:
                    app = bench_app(settings, Path(folder))
                    movers = [Mover.REPLAY] + ([Mover.SHOVEL] if where != "host" else [])
                    for how in movers:
                        fill(app, size)
                        rate = size / timed(lambda how=how: move(settings, api(settings), "source", "target", how))
                        rows.append((where, size, how.value, rate))
                        purge(settings, "target")
                        console.print(f"  {where}, {size:,}: {how.value} {rate:,.0f}/s")
                    fill(app, size)
                    rate = size / timed(lambda app=app, size=size: drain_and_send(settings, app, size))
                    rows.append((where, size, "drain+send_many", rate))
                    console.print(f"  {where}, {size:,}: drain+send_many {rate:,.0f}/s")
    print_table(rows)
    return 0


def api(settings: Settings) -> ManagementClient:
    return ManagementClient(settings.management)


@contextmanager
def vhost(amqp: str, management: str) -> Iterator[Settings]:
    name = f"bench-migrate-{uuid.uuid4().hex[:8]}"
    settings = resolve_settings(f"{amqp}/{name}", management)
    api(settings).create_vhost(name)
    try:
        yield settings
    finally:
        api(settings).delete_vhost(name)


def bench_app(settings: Settings, folder: Path) -> Celery:
    """A Celery app configured from the bench's routing.yaml, applied to the vhost."""
    from topology.broker.session import VhostSession
    from topology.commands.apply import apply_topology

    path = folder / f"{settings.vhost}.yaml"
    path.write_text(textwrap.dedent(ROUTING))
    topology = load_topology(path)
    with VhostSession(settings) as session:
        assert apply_topology(topology, session).ok
    url = settings.broker.url(secret=True)
    app = configure(Celery("bench", set_as_current=False), topology, broker_url=url)
    app.task(name="bench.moved")(moved)
    return app


def moved(number: int) -> int:
    """The task moved (never run: the bench only moves its messages)."""
    return number


def fill(app: Celery, size: int) -> None:
    """`size` tasks into the source queue, confirmed (not measured)."""
    send_many(app.tasks["bench.moved"], ((n,) for n in range(size)), queue="source", ignore_result=True)


def drain_and_send(settings: Settings, app: Celery, size: int) -> None:
    """Every task of the source consumed (acknowledged in batches), then sent again with send_many."""
    bodies: list[Any] = []
    with channel(settings) as ch:
        ch.basic_qos(prefetch_count=1000)
        for method, _, body in ch.consume("source", inactivity_timeout=2):
            if method is None:
                break
            bodies.append(body)
            if len(bodies) % 500 == 0 or len(bodies) == size:
                ch.basic_ack(method.delivery_tag, multiple=True)
            if len(bodies) == size:
                break
        ch.cancel()
    send_many(app.tasks["bench.moved"], ((n,) for n in range(len(bodies))), ignore_result=True)


@contextmanager
def channel(settings: Settings) -> Iterator[Any]:
    broker = settings.broker
    credentials = pika.PlainCredentials(broker.username, broker.password)
    connection = pika.BlockingConnection(
        pika.ConnectionParameters(broker.host, broker.port, settings.vhost, credentials)
    )
    try:
        yield connection.channel()
    finally:
        connection.close()


def purge(settings: Settings, queue: str) -> None:
    with channel(settings) as ch:
        ch.queue_purge(queue)


def timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def print_table(rows: list[tuple[str, int, str, float]]) -> None:
    table = Table(title="Messages moved a second (apply --migrate's movers; drain+send_many as the baseline)")
    for column in ("broker", "messages", "mover", "moved/s", "x drain+send_many", "x shovel"):
        table.add_column(column, justify="left" if column in ("broker", "mover") else "right")
    rates = {(where, size, how): rate for where, size, how, rate in rows}
    for where, size, how, rate in rows:
        baseline = rates.get((where, size, "drain+send_many"))
        shovel = rates.get((where, size, "shovel"))
        ratio = f"{rate / baseline:.2f}" if baseline else ""
        to_shovel = f"{rate / shovel:.2f}" if shovel else ""
        table.add_row(where, f"{size:,}", how, f"{rate:,.0f}", ratio, to_shovel)
    console.print(table)


if __name__ == "__main__":
    sys.exit(main())

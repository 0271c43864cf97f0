"""import-celery on a real RabbitMQ: the written file applied to a vhost of its own, then every task of the
legacy app sent by Celery itself with the ORIGINAL settings (no declares: only the file's objects exist);
each message lands in exactly the queues the written file's routes say."""

from __future__ import annotations

from collections import defaultdict

from tests.live.conftest import Broker, wait_until
from topology.celery_adapter.importing.audit import route_table
from topology.language.loader import parse_topology


def test_celery_with_the_original_settings_lands_where_the_written_file_routes(broker: Broker) -> None:
    path = broker.tmp / "routing.yaml"
    imported = broker.cli("import-celery", "tests.fixtures.legacy_app", "-o", str(path))
    assert imported.returncode == 1 and "did you mean 'CELERY_ACKS_LATE'?" in imported.stderr
    applied = broker.cli("apply", "-f", str(path))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    from tests.fixtures.legacy_app import app

    names = sorted(n for n in app.tasks if n.startswith("legacy."))
    expected = route_table(parse_topology(path.read_text()), names)
    app.conf.broker_url = broker.url
    with app.connection_for_write() as connection:
        for name in names:
            app.send_task(name, connection=connection, declare=[])
    total = sum(len(queues) for queues in expected.values())
    queues = sorted({q for found in expected.values() for q in found} | {"forgotten"})
    wait_until(lambda: sum(broker.ready(q) for q in queues) == total, f"{total} messages in {queues}")
    landed: dict[str, list[str]] = defaultdict(list)
    with broker.connection() as pika_connection:
        channel = pika_connection.channel()
        for queue in queues:
            while True:
                method, properties, _ = channel.basic_get(queue, auto_ack=True)
                if method is None:
                    break
                landed[properties.headers["task"]].append(queue)
    assert {name: tuple(sorted(landed[name])) for name in names} == {n: tuple(sorted(q)) for n, q in expected.items()}
    assert expected["legacy.tasks.resize"] == ("media",) and expected["legacy.reports.daily"] == ("reports",)

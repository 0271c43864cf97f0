"""import-celery: Celery settings written as routing.yaml, proven by round trip. For every task the app
registers, the written file's routes deliver it to the queues that Celery's own router and publisher
(`app.amqp.router`, `app.amqp.send_task_message`) send it to with the original settings; tested on the
hand-written legacy fixtures in tests/fixtures and on generated configurations."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from celery import Celery
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kombu import Exchange, Queue, binding

from tests.conftest import ROOT, SEED, envelope
from topology.celery_adapter.importing.audit import route_table
from topology.celery_adapter.importing.convert import Imported, convert, import_celery
from topology.celery_adapter.precedence import sent_to
from topology.codes import Code, Group
from topology.language.loader import parse_topology
from topology.language.problems import parse_document
from topology.language.to_model import to_topology
from topology.language.writer import topology_yaml
from topology.language.yaml_source import read_yaml
from topology.model import Route, Topology
from topology.routing import Named, celery_sends, deliver, route_for, task_message


def read_back(text: str) -> Topology:
    """The written file as the tool reads it, without the checks (a generated config may route to nothing)."""
    source = read_yaml(text, "routing.yaml")
    parsed = parse_document(source.data, source.positions)
    assert parsed.document is not None, parsed.problems
    return to_topology(parsed.document, source.positions)


def celery_lands(app: Celery, topology: Topology, name: str) -> tuple[str, ...]:
    """The queues a task reaches as Celery publishes it with the original settings."""
    destination = sent_to(app, name)
    if destination.exchange == "":  # RabbitMQ's default exchange: the queue named by the key, if it exists
        return (destination.routing_key,) if topology.queue(destination.routing_key) else ()
    return deliver(topology, destination.exchange, task_message(destination, name)).queues


def assert_round_trip(app: Celery, imported: Imported) -> Topology:
    written = read_back(topology_yaml(imported.topology, imported.notes))
    ours = route_table(written, imported.registered)
    widened = {f.route for f in imported.findings if f.code == "binding_reaches_more"}
    dropped = {f.route for f in imported.findings if f.code == "route_drops_tasks"}
    for name in sorted(imported.registered):
        celery = set(celery_lands(app, written, name))
        if any(Route(str(pattern)).matches(name) for pattern in dropped) and not celery:
            continue  # reported: Celery drops these, the file sends them to the default queue
        route = route_for(written, name)
        if (route.pattern if route else "") in widened:
            assert celery <= set(ours[name]), name  # reported: the binding reaches more than the queue
        else:
            assert set(ours[name]) == celery, (name, ours[name], celery)
    return written


def register(app: Celery, name: str) -> None:
    def task() -> None: ...

    app.task(name=name, shared=False)(task)


def codes(imported: Imported) -> list[tuple[str, str | None]]:
    return [(f.code, f.where) for f in imported.findings]


def test_legacy_app_round_trip_and_findings() -> None:
    from tests.fixtures.legacy_app import app

    imported = import_celery("tests.fixtures.legacy_app")
    written = assert_round_trip(app, imported)
    declared = {q.name for q in written.queues} - written.nets.names  # the written file keeps the nets on
    assert declared == {"default", "email", "media", "reports", "forgotten"}
    media = written.queue("media")
    assert media is not None and {(b.exchange, b.routing_key) for b in media.bindings} == {
        ("media", "image.#"),
        ("media", "video.#"),
    }
    reports = written.queue("reports")
    assert reports is not None and reports.arguments == {"x-max-priority": 10, "x-message-ttl": 3_600_000}
    assert route_table(written, ["legacy.reports.daily", "legacy.tasks.resize", "legacy.misc.cleanup"]) == {
        "legacy.reports.daily": ("reports",),  # from the router function, for the tasks the app registers
        "legacy.tasks.resize": ("media",),
        "legacy.misc.cleanup": ("default",),
    }
    assert [(e.name, e.cron, e.every) for e in written.schedule] == [
        ("daily-report", "0 3 * * *", None),
        ("ping", None, 30.0),
        ("weekly", None, 604800.0),
    ]  # `pong` names a task the app does not register: left out, reported
    config = "tests/fixtures/legacy_celeryconfig.py"
    found = codes(imported)
    assert ("unknown_setting", f"{config}:46") in found
    assert ("router_not_convertible", f"{config}:24") in found
    assert ("unknown_task", f"{config}:35") in found  # legacy.tasks.sendemail
    assert ("unknown_task", f"{config}:43") in found  # the schedule's legacy.misc.pong
    assert ("queue_unreached", f"{config}:20") in found  # forgotten
    assert ("default_exchange_bypass", f"{config}:33") in found  # {"queue": "email"}
    messages = " | ".join(map(str, imported.findings))
    assert "did you mean 'CELERY_ACKS_LATE'?" in messages and "did you mean 'legacy.tasks.send_email'?" in messages
    assert "did you mean 'legacy.misc.ping'?" in messages


def test_modern_config_module_round_trip() -> None:
    imported = import_celery("tests.fixtures.modern_celeryconfig")
    app = Celery("modern", set_as_current=False)
    app.config_from_object("tests.fixtures.modern_celeryconfig")
    for name in ("app.events.created", "app.events.renamed", "other.task"):
        register(app, name)
    with_tasks = convert(app, is_app=True)
    written = assert_round_trip(app, with_tasks)
    assert route_table(written, ["app.events.created", "app.events.renamed"]) == {
        "app.events.created": ("events",),
        "app.events.renamed": ("events",),
    }
    assert [r.pattern for r in written.routes] == ["/app\\.events\\.(created|deleted)$/", "app.events.*"]
    assert ("unknown_setting", "tests/fixtures/modern_celeryconfig.py:19") in codes(imported)
    assert "did you mean 'task_default_queue'?" in " ".join(map(str, imported.findings))


def test_the_seed_app_imports_as_the_seed() -> None:
    imported = import_celery("tasks")
    written = read_back(topology_yaml(imported.topology))
    seed = parse_topology(SEED)
    names = ["tasks.taskA", "tasks.taskB", "tasks.add", "tasks.other"]
    assert route_table(written, names) == route_table(seed, names)
    assert written.exchanges == seed.exchanges and written.queues == seed.queues
    assert [(e.name, e.task, e.every, e.args) for e in written.schedule] == [
        (e.name, e.task, e.every, e.args) for e in seed.schedule
    ]


def test_implicit_celery_queue_and_undeclared_default_queue() -> None:
    app = Celery("bare", set_as_current=False)
    register(app, "work.run")
    imported = convert(app, is_app=True)
    assert [(q.name, [(b.exchange, b.routing_key) for b in q.bindings]) for q in imported.topology.queues] == [
        ("celery", [("celery", "celery")])
    ]
    assert "implicit" in " ".join(imported.notes[("queues", "celery")])
    assert_round_trip(app, imported)
    app.conf.update(task_queues=[Queue("jobs", Exchange("jobs"), "jobs")], task_default_queue="missing")
    imported = convert(app, is_app=True)
    assert "default_queue_undeclared" in [code for code, _ in codes(imported)]
    assert imported.topology.queue("missing") is not None
    assert_round_trip(app, imported)


def test_a_route_naming_its_queue_exchange_and_key_is_written_as_celery_publishes_it() -> None:
    """Celery publishes such a route to its exchange with its key, also for a call naming another queue (the
    call's queue= replaces the queue alone). 'work.run' is published with key 'work', which both 'urgent' and
    'audit' are bound with: both get it (the file's route to 'urgent' alone would go through the binding of
    its own key the file gives it). 'work.solo' lands in 'solo' alone either way, but a caller's queue= must
    not win over its exchange and key."""
    app = Celery("shared", set_as_current=False)
    jobs = Exchange("jobs", "direct")
    app.conf.update(
        task_queues=[Queue(name, jobs, routing_key=key) for name, key in KEYED],
        task_default_queue="urgent",
        task_routes={
            "work.run": {"queue": "urgent", "exchange": "jobs", "routing_key": "work"},
            "work.solo": {"queue": "solo", "exchange": "jobs", "routing_key": "solo"},
        },
    )
    register(app, "work.run")
    register(app, "work.solo")
    written = assert_round_trip(app, convert(app, is_app=True))
    assert written.route_named("work.run") == Route("work.run", exchange="jobs", routing_key="work")
    assert sorted(route_table(written, ["work.run"])["work.run"]) == ["audit", "urgent"]
    for task in ("work.run", "work.solo"):
        for queue, _ in KEYED:
            celery = sent_to(app, task, {"queue": queue})
            lands = deliver(written, celery.exchange, task_message(celery, task)).queues
            assert sorted(celery_sends(written, task, call=Named(queue=queue)).delivery.queues) == sorted(lands)


KEYED = [("urgent", "work"), ("audit", "work"), ("solo", "solo")]
"""Queues of one direct exchange and their keys: two share one."""


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "topology", *args],
        cwd=cwd,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )


LEGACY = """\
from tests.stock_celery import legacy_app
app = legacy_app("amqp://guest@localhost:5672//")
@app.task(name="jobs.run")
def run(): ...
"""


def test_the_apps_hazards_on_the_files_rabbitmq_series_are_printed_as_warnings(tmp_path: Path) -> None:
    """An app as older Celery releases make one, imported for RabbitMQ 4.3: its transient control, event and
    task queues and its quorum queue without a dead-letter target are named (issue 25, item 6); the series is
    written as the file's `rabbitmq:`; warnings leave the exit code to the findings. 3.10 names none."""
    (tmp_path / "legacyhazards.py").write_text(LEGACY)
    run = {
        series: run_cli("import-celery", "legacyhazards:app", "--rabbitmq-version", series, cwd=tmp_path)
        for series in ("3.10", "4.3")
    }
    warned = [line for line in run["4.3"].stderr.splitlines() if line.startswith("warning: ")]
    assert all(line.startswith("warning: RabbitMQ 4.3") for line in warned)
    assert [w for w in warned if "remote control's reply queue" in w and "set control_queue_exclusive = True" in w]
    assert [w for w in warned if "an event receiver's queue" in w and "event_queue_exclusive" in w]
    assert [w for w in warned if "task queue 'jobs' is transient and not exclusive" in w]
    assert [w for w in warned if "task queue 'orders' is a quorum queue with no dead-letter exchange" in w]
    assert len(warned) == 5 and ", 5 warnings for RabbitMQ 4.3 (--rabbitmq-version)\n" in run["4.3"].stderr
    assert not [line for line in run["3.10"].stderr.splitlines() if line.startswith("warning: ")]
    assert run["3.10"].returncode == run["4.3"].returncode
    assert parse_topology(run["4.3"].stdout).rabbitmq == "4.3"
    as_json = envelope(
        run_cli(
            "import-celery", "legacyhazards:app", "--rabbitmq-version", "4.3", "--format", "json", cwd=tmp_path
        ).stdout
    )
    assert [f"warning: {p['message']}" for p in as_json["problems"]] == warned
    assert {p["severity"] for p in as_json["problems"]} == {"warning"}
    assert as_json["data"]["rabbitmq"] == {"series": "4.3", "from": "flag", "version": None}


def test_a_module_that_does_not_import_is_one_line_with_its_place_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "brokenconfig.py").write_text("CELERY_QUEUES = ()\nimport not_a_module_anywhere\n")
    (tmp_path / "syntaxconfig.py").write_text("CELERY_QUEUES = (\n")
    broken = run_cli("import-celery", "brokenconfig", cwd=tmp_path)
    assert broken.returncode == 2 and broken.stdout == ""
    assert broken.stderr.splitlines() == [
        "brokenconfig.py:2: cannot import 'brokenconfig': ModuleNotFoundError: No module named 'not_a_module_anywhere'"
    ]
    syntax = run_cli("import-celery", "syntaxconfig", cwd=tmp_path)
    assert syntax.returncode == 2 and len(syntax.stderr.splitlines()) == 1
    assert syntax.stderr.startswith("syntaxconfig.py:1: cannot import 'syntaxconfig': SyntaxError:")
    (tmp_path / "mixedconfig.py").write_text("CELERY_QUEUES = ()\ntask_routes = {}\n")
    mixed = run_cli("import-celery", "mixedconfig", cwd=tmp_path)
    assert mixed.returncode == 2 and mixed.stderr.count("\n") == 1
    assert mixed.stderr.startswith("Celery refuses the settings of 'mixedconfig': ImproperlyConfigured: Cannot mix")
    assert "CELERY_QUEUES -> task_queues" in mixed.stderr
    missing = run_cli("import-celery", "nowhere_at_all", cwd=tmp_path)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr and "nowhere_at_all" in missing.stderr


def test_cli_writes_the_file_reports_on_stderr_and_json(tmp_path: Path) -> None:
    out = tmp_path / "routing.yaml"
    written = run_cli("import-celery", "tests.fixtures.legacy_app", "-o", str(out), cwd=ROOT)
    assert written.returncode == 1 and written.stdout == ""
    assert "did you mean 'CELERY_ACKS_LATE'?" in written.stderr
    assert parse_topology(out.read_text()).queue("media") is not None
    clean = tmp_path / "cleanconfig.py"
    clean.write_text(
        textwrap.dedent("""
        from kombu import Exchange, Queue
        task_queues = [Queue("celery", Exchange("celery", type="topic"), routing_key="celery")]
    """)
    )
    ok = run_cli("import-celery", "cleanconfig", "--format", "json", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    data = envelope(ok.stdout)
    assert data["command"] == "import-celery" and data["ok"] and data["findings"] == []
    assert data["data"]["findings"] == [] and data["summary"]["queues"] == 1 and data["data"]["file"] is None
    assert parse_topology(data["data"]["routing_yaml"]).queue("celery") is not None


# --- generated configurations ---

TASKS = ["shop.orders.create", "shop.orders.cancel", "shop.mail.send", "shop.mail.bulk", "ops.ping", "ops.report"]
EXCHANGES = {"jobs": "direct", "events": "topic", "all": "fanout"}
KEYS = ["a", "b", "shop.orders", "shop.#", "*.mail", "ops.*", "#", ""]


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(["q1", "q2", "q3", "q4", "celery"]), min_size=1, max_size=4, unique=True))
    queues: list[Queue] = []
    for name in names:
        pairs = draw(st.lists(st.tuples(st.sampled_from(sorted(EXCHANGES)), st.sampled_from(KEYS)), max_size=3))
        if len(pairs) == 1:
            exchange, key = pairs[0]
            queues.append(Queue(name, Exchange(exchange, EXCHANGES[exchange]), routing_key=key))
        elif pairs:
            bindings = [binding(Exchange(e, EXCHANGES[e]), routing_key=k) for e, k in pairs]
            queues.append(Queue(name, bindings=bindings))
        else:
            queues.append(Queue(name))
    route_values = st.one_of(
        st.sampled_from(names),
        st.builds(lambda q: {"queue": q}, st.sampled_from(names)),
        st.builds(
            lambda e, k: {"exchange": e, "exchange_type": EXCHANGES[e], "routing_key": k},
            st.sampled_from(sorted(EXCHANGES)),
            st.sampled_from([k for k in KEYS if "*" not in k and "#" not in k] + ["shop.orders.x", "ops.mail"]),
        ),
        st.builds(  # a queue with the exchange and key to publish it by, as some projects write their routes
            lambda q, e, k: {"queue": q, "exchange": e, "exchange_type": EXCHANGES[e], "routing_key": k},
            st.sampled_from(names),
            st.sampled_from(sorted(EXCHANGES)),
            st.sampled_from(["a", "b", "shop.orders"]),
        ),
    )
    patterns = st.sampled_from([*TASKS, "shop.*", "shop.mail.*", "ops.*", "*"])
    routes = draw(st.dictionaries(patterns, route_values, max_size=5))
    return {
        "task_queues": draw(st.sampled_from([list, tuple, set]))(queues),
        "task_routes": routes,
        "task_default_queue": draw(st.sampled_from(names)),
        "task_default_exchange": draw(st.sampled_from(["", "jobs"])),
        "task_default_routing_key": draw(st.sampled_from(["", "a"])),
    }


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_generated_configs_round_trip(config: dict[str, Any]) -> None:
    app = Celery("generated", set_as_current=False)
    app.conf.update({k: v for k, v in config.items() if v != ""})
    for name in TASKS:
        register(app, name)
    imported = convert(app, is_app=True)
    written = assert_round_trip(app, imported)
    own_keys = {(f.code, f.where) for f in imported.findings if f.code == "shared_binding_key"}
    for queue in app.amqp.queues.values():  # every binding Celery declares, and a queue's own key where shared
        declared = queue.bindings or {binding(queue.exchange, routing_key=queue.routing_key)}
        expected = {(b.exchange.name, b.routing_key or "") for b in declared if b.exchange and b.exchange.name}
        found = written.queue(queue.name)
        assert found is not None
        extra = {(b.exchange, b.routing_key) for b in found.bindings} - expected
        assert expected <= {(b.exchange, b.routing_key) for b in found.bindings}
        assert all(queue.name in key for _, key in extra) and (not extra or own_keys), (extra, own_keys)


# --- real projects' patterns (tests/corpus), without a broker ---

CORPUS = ROOT / "tests" / "corpus"


def corpus_cli(project: str, app: str, *args: str) -> subprocess.CompletedProcess[str]:
    root = CORPUS / project / "src"
    return subprocess.run(
        [sys.executable, "-m", "topology", "import-celery", app, *args],
        cwd=root,
        env={"PYTHONPATH": f"{root}:{ROOT}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_same_settings_give_the_same_bytes_broadcast_and_router_classes_included() -> None:
    for project, app in (("celery_example", "celery_app:app"), ("salver", "opulence:App")):
        first, second = corpus_cli(project, app), corpus_cli(project, app)
        assert first.stdout == second.stdout and first.stderr == second.stderr, project
        assert " at 0x" not in first.stdout + first.stderr
        assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", first.stdout), "a per-process uuid was written"
    written = parse_topology(corpus_cli("celery_example", "celery_app:app").stdout)
    broadcast = written.queue("broadcast_tasks")
    assert broadcast is not None and broadcast.broadcast
    assert [(b.exchange, b.routing_key) for b in broadcast.bindings] == [("broadcast_tasks", "broadcast_tasks")]


def test_a_django_settings_module_is_read_under_its_namespace(tmp_path: Path) -> None:
    """Given the settings module itself (not the app), CELERY_TASK_QUEUES is task_queues, as Celery reads it
    with namespace='CELERY'; --namespace says so when the names do not."""
    (tmp_path / "djsettings.py").write_text(
        textwrap.dedent("""
        from kombu import Exchange, Queue
        DATABASES = {}
        # CELERY_TASK_QUEUES is written below, not here
        CELERY_TASK_QUEUES = [Queue("mail", Exchange("mail"), routing_key="mail")]
        CELERY_TASK_DEFAULT_QUEUE = "mail"
        CELERY_TASK_ACKS_LAT = True
    """)
    )
    done = run_cli("import-celery", "djsettings", cwd=tmp_path)
    assert parse_topology(done.stdout).queue("mail") is not None, done.stderr
    findings = [line for line in done.stderr.splitlines() if "not a Celery setting" in line]
    assert findings == [
        "djsettings.py:7: 'CELERY_TASK_ACKS_LAT' is not a Celery setting: Celery ignores it "
        "(did you mean 'CELERY_TASK_ACKS_LATE'?)"
    ]  # DATABASES is Django's, not Celery's; the finding points at the setting, not at the comment


def test_a_router_class_reading_the_current_app_and_task_level_queues(tmp_path: Path) -> None:
    (tmp_path / "routedapp.py").write_text(
        textwrap.dedent("""
        from celery import Celery, current_app
        from kombu import Exchange, Queue

        class Router:
            def route_for_task(self, task, args=None, kwargs=None):
                queues = [q.name for q in current_app.conf.task_queues]  # fails unless this app is current
                return {"queue": "slow"} if task.endswith(".report") and "slow" in queues else None

        app = Celery("routedapp", set_as_current=False)
        app.conf.task_queues = [Queue(n, Exchange(n), routing_key=n) for n in ("celery", "slow", "mail")]
        app.conf.task_routes = (Router(),)

        @app.task(name="shop.report")
        def report(): ...

        @app.task(name="shop.send", queue="mail")
        def send(): ...

        @app.task(name="shop.other")
        def other(): ...
    """)
    )
    done = run_cli("import-celery", "routedapp", cwd=tmp_path)
    assert done.returncode in (0, 1) and "TypeError" not in done.stderr, done.stderr
    written = parse_topology(done.stdout)
    assert route_table(written, ["shop.report", "shop.send", "shop.other"]) == {
        "shop.report": ("slow",),
        "shop.send": ("mail",),  # @app.task(queue="mail"): Celery puts it before the routes
        "shop.other": ("celery",),
    }
    assert "routedapp.Router" in done.stderr and " at 0x" not in done.stdout + done.stderr


def test_a_route_naming_only_an_exchange_is_reported_never_written_as_an_empty_queue(tmp_path: Path) -> None:
    (tmp_path / "exchangeonly.py").write_text(
        textwrap.dedent("""
        from kombu import Exchange, Queue
        task_queues = [Queue("jobs", Exchange("jobs"), routing_key="jobs")]
        task_default_queue = "jobs"
        task_routes = {
            "a.dropped": {"exchange": "jobs"},
            "a.kept": {"exchange": "jobs", "routing_key": "jobs"},
        }
    """)
    )
    done = run_cli("import-celery", "exchangeonly", cwd=tmp_path)
    written = parse_topology(done.stdout)  # loads: no queue ''
    assert [r.pattern for r in written.routes] == ["a.kept"]
    assert "exchangeonly.py:6: route 'a.dropped' names exchange 'jobs' without a routing key" in done.stderr


def test_import_findings_are_codes_of_the_one_enum_with_their_severity_in_the_json(tmp_path: Path) -> None:
    """import-celery's findings are `Code` members like every other command's: a program selects on the code and
    reads the severity the enum gives it."""
    (tmp_path / "findingsconfig.py").write_text(
        "task_queues = ()\ntask_routes = {'tasks.add': {'queue': 'nowhere'}}\nCELERYD_CONCURENCY = 2\n"
    )
    printed = envelope(run_cli("import-celery", "findingsconfig", "--format", "json", cwd=tmp_path).stdout)
    found = {(f["code"], f["severity"]) for f in printed["data"]["findings"]}
    assert {"unknown_setting", "unknown_task"} <= {code for code, _ in found}
    for code, severity in found:
        member = Code._value2member_map_[code]
        assert isinstance(member, Code) and member.group is Group.IMPORT and member.severity.value == severity

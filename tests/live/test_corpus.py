"""The corpus (tests/corpus): public projects' Celery routing taken through import-celery -> validate -> apply
-> plan (nothing to do) -> inspect -> graph -> export on a vhost of its own, and every task, beat entry and
call site of each project sent twice by Celery itself: with the project's ORIGINAL settings, on a second
vhost where Celery declared its own queues as its workers would (where Celery's router and task sender put
each message), and with the app configured from the imported file, on the applied vhost. Each message is
found by its task id where it landed (basic_get on every queue of the vhost); both must agree.

The report line "N of M clean" counts the projects where every step passed and every case agreed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import ROOT
from tests.corpus import PROJECTS, Project
from tests.live.conftest import Broker, fresh_vhost, wait_until
from topology.broker.settings import Settings
from topology.model import Delays

CORPUS = ROOT / "tests" / "corpus"
CLEAN: dict[str, list[str]] = {}  # project -> what was not clean ([] when clean)
REPORTED: list[str] = []  # cases import-celery left out and reported (a schedule entry of an unknown task)


def root_of(project: Project) -> Path:
    return CORPUS / project.name / project.root if project.root else ROOT


def run(broker: Broker, project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    """A command in the project's own root, as its users run it there (its modules importable)."""
    env = {**broker.env(), **dict(project.env)}
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([str(root_of(project)), str(ROOT)]))
    return subprocess.run(
        [sys.executable, *args], cwd=root_of(project), env=env, capture_output=True, text=True, timeout=120
    )


def landed(broker: Broker, broadcasts: dict[str, str]) -> dict[str, list[str]]:
    """Each task id -> the queues holding it (a worker's broadcast queue as its broadcast's name), emptied. A
    countdown or eta task found in the delay ladder is sent on as if it were due, through the ladder's
    delivery exchange (the broker routes it, as it will when the task is due), and read where it lands."""
    found: dict[str, list[str]] = {}
    ladder = Delays()
    with broker.connection() as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        delayed = True
        while delayed:
            delayed = False
            for name in sorted(broker.state().queues):
                while True:
                    method, properties, body = channel.basic_get(name, auto_ack=True)
                    if method is None:
                        break
                    if name in ladder.names:
                        channel.basic_publish(ladder.delivery, method.routing_key, body, properties)
                        delayed = True
                        continue
                    task_id = str((properties.headers or {}).get("id"))
                    found.setdefault(task_id, []).append(broadcasts.get(name, name))
    return {task_id: sorted(queues) for task_id, queues in found.items()}


def drive(broker: Broker, project: Project, *mode: str) -> dict[str, list[str]]:
    """Every case of the project sent by Celery (tests/corpus/drive.py): where each landed, by case."""
    sent = run(broker, project, "-m", "tests.corpus.drive", project.app, project.calls, *mode)
    assert sent.returncode == 0, sent.stderr[-3000:]
    report = json.loads(sent.stdout.strip().splitlines()[-1])
    wait_until(lambda: bool(broker.state().queues), "the queues listed", timeout=10)
    where = landed(broker, report["broadcasts"])
    for name, task_ids in report["landed"].items():  # read by the driver from a worker's own queue
        for task_id in task_ids:
            where[task_id] = sorted([*where.get(task_id, []), report["broadcasts"][name]])
    return {case: where.get(task_id, []) for case, task_id in report["cases"].items()}


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_every_task_beat_entry_and_call_site_lands_where_celery_sends_it(
    project: Project, base_settings: Settings, tmp_path: Path
) -> None:
    problems: list[str] = []
    CLEAN[project.name] = problems
    file = tmp_path / "routing.yaml"
    with fresh_vhost(base_settings, tmp_path) as subject, fresh_vhost(base_settings, tmp_path) as reference:
        imported = run(subject, project, "-m", "topology", "import-celery", project.app, "-o", str(file))
        assert imported.returncode in (0, 1), imported.stderr
        first = file.read_bytes()
        again = run(subject, project, "-m", "topology", "import-celery", project.app, "-o", str(file))
        assert again.returncode == imported.returncode and file.read_bytes() == first, "not deterministic"
        steps: tuple[tuple[str, ...], ...] = (("validate",), ("apply",), ("plan",))
        for step in steps:
            done = run(subject, project, "-m", "topology", *step, "-f", str(file))
            if done.returncode != 0:
                problems.append(f"{step[0]} exit {done.returncode}: {(done.stderr or done.stdout)[-1500:]}")
        if not problems:
            original = drive(reference, project, "original")
            configured = drive(subject, project, "configured", str(file))
            # a beat entry naming a task the app does not register: no worker runs it, so the import leaves it
            # out and says so (the one difference the corpus has, and it is reported)
            reported = {f"beat {name}" for name in re.findall(r"schedule entry '([^']+)' names task", imported.stderr)}
            REPORTED.extend(f"{project.name}: {case}" for case in sorted(reported & set(original)))
            for case in sorted(original):
                if case in reported and case not in configured:
                    continue
                if configured.get(case) != original[case]:
                    problems.append(f"{case}: Celery {original[case]}, the imported file {configured.get(case)}")
            steps = (("inspect",), ("graph", "--format", "dot"), ("export",))
            for step in steps:
                done = run(subject, project, "-m", "topology", *step, "-f", str(file))
                if done.returncode != 0:
                    problems.append(f"{step[0]} exit {done.returncode}: {(done.stderr or done.stdout)[-1500:]}")
    assert not problems, "\n".join(problems)


def test_a_worker_on_the_imported_file_consumes_its_own_broadcast_queue(
    base_settings: Settings, tmp_path: Path
) -> None:
    """st4lk/celery_example's Broadcast queue, imported: a real worker configured from the file declares its
    own exclusive queue, takes the broadcast task from it and runs it; inspect finds nothing to fix."""
    project = next(p for p in PROJECTS if p.name == "celery_example")
    file = tmp_path / "routing.yaml"
    with fresh_vhost(base_settings, tmp_path) as broker:
        assert run(broker, project, "-m", "topology", "import-celery", project.app, "-o", str(file)).returncode == 1
        assert run(broker, project, "-m", "topology", "apply", "-f", str(file)).returncode == 0
        migrated = tmp_path / "migrated_app.py"
        migrated.write_text(
            "from celery_app import app\nfrom topology import configure, load_topology\n"
            f"configure(app, load_topology({str(file)!r}))\n"
        )
        env = dict(project.env)
        log = tmp_path / "worker.log"
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "migrated_app",
                "worker",
                "-l",
                "info",
                "-P",
                "solo",
                "-Q",
                "broadcast_tasks",
            ],
            cwd=root_of(project),
            env={
                **broker.env(file, **env),
                "PYTHONPATH": os.pathsep.join([str(tmp_path), str(root_of(project)), str(ROOT)]),
            },
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            text=True,
        )
        broker.processes.append(worker)

        def own_queue() -> bool:
            """The worker's exclusive queue bound to the broadcast exchange (definitions leave exclusive queues
            out, and a passive declare of another connection's exclusive queue is refused: the API lists it)."""
            path = f"/exchanges/{quote(broker.vhost, safe='')}/broadcast_tasks/bindings/source"
            return any(str(b["destination"]).startswith("broadcast_tasks.") for b in broker.management().get(path))

        wait_until(own_queue, "the worker's broadcast queue", worker)
        inspected = run(broker, project, "-m", "topology", "inspect", "-f", str(file))
        assert inspected.returncode == 0, inspected.stdout + inspected.stderr
        sent = run(
            broker,
            project,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); from migrated_app import app; "
            "app.loader.import_default_modules(); "
            "app.tasks['tasks.broadcast.broadcast_task'].apply_async(kwargs={'wait_time': 0}, ignore_result=True)",
            str(tmp_path),
        )
        assert sent.returncode == 0, sent.stderr
        wait_until(
            lambda: "tasks.broadcast.broadcast_task" in log.read_text() and "succeeded" in log.read_text(),
            "the worker running the broadcast task",
            worker,
        )
        assert run(broker, project, "-m", "topology", "plan", "-f", str(file)).returncode == 0


def test_the_corpus_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """N of M clean, printed (run after the projects above)."""
    clean = [name for name, problems in CLEAN.items() if not problems]
    with capsys.disabled():
        print(f"\ncorpus: {len(clean)} of {len(PROJECTS)} clean ({', '.join(clean)})")
        print(f"corpus: left out by import-celery and reported: {', '.join(REPORTED) or 'nothing'}")
    assert len(CLEAN) == len(PROJECTS) and len(clean) == len(PROJECTS), {n: p for n, p in CLEAN.items() if p}

"""docs/bring-your-own-app.md: its configure() snippet runs as written, on a Django project's app, and does
what the page says: the file's routing, the app's own result backend and other settings kept."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import ROOT, SEED

PAGE = ROOT / "docs" / "bring-your-own-app.md"


def snippet() -> str:
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.DOTALL)
    assert len(blocks) == 1, "the page shows one configure() snippet"
    return str(blocks[0])


def test_the_documented_snippet_configures_a_django_app_and_keeps_its_own_settings(tmp_path: Path) -> None:
    (tmp_path / "routing.yaml").write_text(SEED.replace("app: tasks", "#"))
    (tmp_path / "proj_settings.py").write_text(
        textwrap.dedent("""
        SECRET_KEY = "docs"
        CELERY_TASK_SERIALIZER = "json"
        CELERY_TASK_ROUTES = {"tasks.taskA": {"queue": "elsewhere"}}
        """)
    )
    check = textwrap.dedent("""
        import json
        print(json.dumps({
            "backend": app.conf.result_backend,
            "serializer": app.conf.task_serializer,
            "time_limit": app.conf.task_time_limit,
            "route": app.amqp.router.route({}, "tasks.taskA")["queue"].name,
            "missing_queues": app.conf.task_create_missing_queues,
        }))
    """)
    (tmp_path / "proj.py").write_text(
        "import os\nos.environ['DJANGO_SETTINGS_MODULE'] = 'proj_settings'\n" + snippet() + check
    )
    ran = subprocess.run(
        [sys.executable, "proj.py"],
        cwd=tmp_path,
        env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().splitlines()[-1] == (
        '{"backend": "redis://127.0.0.1:6379/0", "serializer": "json", "time_limit": 300, '
        '"route": "for_task_A", "missing_queues": false}'
    )

"""The seed's Celery app without its routing file: one line with the fix, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_a_worker_started_where_there_is_no_routing_file_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TOPOLOGY_FILE"} | {"PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "tasks", "worker", "-P", "solo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "routing.yaml:1:1: cannot read the topology file: No such file or directory: start Celery from the folder "
        "that holds it, or set TOPOLOGY_FILE=/path/to/routing.yaml"
    ]

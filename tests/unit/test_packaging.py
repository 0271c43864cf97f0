"""The wheel a user installs beside their own code: the tool alone (no top-level `tasks`, the seed's demo
app, which would shadow or collide with a user's own `tasks` module), the import package `topology`, the
console script `topology` with its shell completion, and every command's help, from a fresh virtualenv."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from topology.cli.main import main


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the built wheel installed (offline: the dependencies come from this venv's
    site-packages by a .pth, which does not bring this checkout onto the path)."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work), str(ROOT)],
        check=True,
        capture_output=True,
        cwd=work,
    )
    [wheel] = work.glob("celery_topology-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith("tasks/")] and "topology/cli/envelope.schema.json" in names
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    python = str(venv / "bin" / "python")
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", str(wheel)]
    subprocess.run(pip, check=True, capture_output=True)
    return venv


def _run(venv: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [*args], capture_output=True, text=True, cwd=venv.parent, env={**clean, **env}, timeout=60, check=False
    )


def test_the_wheel_installs_the_tool_alone_as_topology(installed: Path) -> None:
    python = str(installed / "bin" / "python")
    seen = _run(installed, python, "-c", "import topology, importlib.util; print(importlib.util.find_spec('tasks'))")
    assert seen.returncode == 0 and seen.stdout.strip() == "None", seen.stderr  # no `tasks` of ours
    assert str(ROOT) not in _run(installed, python, "-c", "import topology; print(topology.__file__)").stdout


def test_every_command_s_help_from_the_console_script(installed: Path) -> None:
    script = str(installed / "bin" / "topology")
    running = {
        command: subprocess.Popen(
            [script, command, "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for command in sorted(main.commands)
    }
    for command, process in running.items():
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0 and out.startswith(f"Usage: topology {command}"), err


def test_the_console_script_offers_shell_completion(installed: Path) -> None:
    script = _run(installed, str(installed / "bin" / "topology"), _TOPOLOGY_COMPLETE="bash_source")
    assert script.returncode == 0 and "_topology_completion" in script.stdout

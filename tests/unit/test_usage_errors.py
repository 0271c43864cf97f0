"""click's own usage errors (an unknown option, a missing argument, a bad choice, no such command) are the
one JSON envelope on stdout, exit 2, when `--format json` is on the command line; text alone otherwise."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.conftest import envelope
from topology.cli.main import main

USAGE_ERRORS = [
    (["validate", "--bogus", "--format", "json"], "validate", "No such option '--bogus'."),
    (["validate", "--format", "json", "--bogus"], "validate", "No such option '--bogus'."),
    (["import-celery", "--format=json"], "import-celery", "Missing argument 'MODULE'."),
    (["plan", "--format", "json", "-f"], "plan", "Option '-f' requires an argument."),
    (["inspect", "--format", "json", "--max-ready", "many"], "inspect", "'many' is not a valid integer"),
    (["inspect", "--format", "json", "--max-age", "soon"], "inspect", "'soon' is not a duration"),
    (["graph", "--format", "json", "--focus"], "graph", "Option '--focus' requires an argument."),
    (["bogus", "--format", "json"], None, "No such command 'bogus'."),
    (["--format", "json", "validate"], None, "No such option '--format'."),
]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("args", "command", "said"), USAGE_ERRORS)
def test_a_usage_error_with_format_json_is_the_envelope(args: list[str], command: str | None, said: str) -> None:
    code, stdout, stderr = run(*args)
    printed = envelope(stdout)
    assert code == 2 and printed["exit_code"] == 2 and printed["ok"] is False
    assert printed["command"] == command
    assert [p["severity"] for p in printed["problems"]] == ["error"]
    assert said in printed["problems"][0]["message"]
    assert said in stderr  # click's own text still goes to stderr, for people


@pytest.mark.parametrize("args", [["validate", "--bogus"], ["validate", "--format", "yaml"], ["import-celery"]])
def test_a_usage_error_without_format_json_is_text_only(args: list[str]) -> None:
    code, stdout, stderr = run(*args)
    assert code == 2 and stdout == ""
    assert stderr.startswith("Usage: ") and "Error: " in stderr

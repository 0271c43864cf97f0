"""The report is the contract: finding codes and exit codes have one source each, the JSON schema lists every
code, every command has a renderer of its own and the CLI computes nothing, and docs/design.md's module map
names every module."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ENVELOPE_SCHEMA, ROOT, envelope
from topology.cli.main import main
from topology.codes import Code, ExitCode, Gate, Severity

PACKAGE = ROOT / "topology"


def test_the_schema_lists_every_finding_code_and_no_other() -> None:
    schema = json.loads(ENVELOPE_SCHEMA.read_text())
    assert schema["$defs"]["finding"]["properties"]["code"]["enum"] == [code.value for code in Code]


def test_every_code_says_its_severity_and_when_it_fails() -> None:
    for code in Code:
        assert isinstance(code.severity, Severity) and isinstance(code.gate, Gate)
        # an error always fails its command: an error that did not would be a warning
        assert code.severity is not Severity.ERROR or code.gate is Gate.ALWAYS, code
    assert Code.NO_CONSUMER.fails(require_consumers=True) and not Code.NO_CONSUMER.fails(require_consumers=False)
    assert not Code.CONSUMER_LIST_LAGS.fails(require_consumers=True)


EXIT_NUMBER = re.compile(r"\b(?:exit_code\s*=\s*|exit\(|SystemExit\(|ExitCode\()\d")


def test_exit_code_is_the_only_source_of_exit_numbers() -> None:
    written = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in [*PACKAGE.rglob("*.py"), *(ROOT / "tasks").rglob("*.py")]
        if path.name != "codes.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if EXIT_NUMBER.search(line)
    ]
    assert written == []


def _commands() -> list[str]:
    return sorted(main.commands)


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_a_renderer_of_its_own(command: str) -> None:
    assert (PACKAGE / "cli" / "render" / f"{command.replace('-', '_')}.py").is_file()


COMPUTING = {"drift", "findings_exit_code", "exit_code", "route_for", "deliver", "plan", "diff"}
"""What decides a report's content or exit code: the commands call these, the CLI never does."""


def test_the_cli_computes_no_drift_and_no_exit_code() -> None:
    called = {}
    for path in (PACKAGE / "cli").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("topology.planning"):
                names = {alias.name for alias in node.names} & COMPUTING
                if names:
                    called[str(path.relative_to(ROOT))] = names
            if isinstance(node, ast.Attribute) and node.attr == "DIFFERS":
                called[str(path.relative_to(ROOT))] = {"ExitCode.DIFFERS"}
    assert called == {}


def _module_map() -> set[str]:
    """The modules docs/design.md's map names: a folder line (`name/`) opens a package for the lines indented
    under it."""
    text = (ROOT / "docs" / "design.md").read_text()
    block = text[text.index("## Modules") :]
    block = block[block.index("```") + 3 :]
    block = block[: block.index("```")]
    stack: list[tuple[int, str]] = []
    named = set()
    for line in block.splitlines():
        match = re.match(r"^( *)(\S+)", line)
        if match is None or not match.group(2).endswith(("/", ".py")):
            continue
        indent, name = len(match.group(1)), match.group(2)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if name.endswith("/"):
            stack.append((indent, name))
        else:
            named.add("".join(folder for _, folder in stack) + name)
    return named


def test_the_design_s_module_map_names_every_module() -> None:
    modules = {str(p.relative_to(ROOT)) + "" for p in PACKAGE.rglob("*.py") if p.name != "__init__.py"}
    named = _module_map()
    assert sorted(modules - named) == [], "add these to docs/design.md's module map"
    assert sorted(named - modules) == [], "docs/design.md's module map names modules that are gone"


@pytest.mark.parametrize(
    "args",
    [
        ["schema", "--format", "json"],
        ["export", "--format", "json"],
        ["graph", "--format", "json"],
        ["validate", "--format", "json"],
        ["routes", "--format", "json"],
    ],
    ids=lambda args: args[0],
)
def test_the_commands_that_need_no_broker_print_the_envelope(args: list[str], tmp_path: Path) -> None:
    seed = tmp_path / "routing.yaml"
    seed.write_text((ROOT / "routing.yaml").read_text())
    result = CliRunner().invoke(main, ["-f", str(seed), *args])
    printed = envelope(result.stdout)
    assert (printed["command"], printed["exit_code"], result.exit_code) == (args[0], 0, ExitCode.OK)
    if args[0] == "export":  # the definitions of the URL's vhost: written for it, nothing read
        assert printed["vhost"] == "/" and printed["data"]["definitions"]["queues"]
    if args[0] == "graph":
        assert {node["name"] for node in printed["data"]["nodes"]} >= {"for_task_A", "tasks.taskA"}
    if args[0] == "schema":
        assert printed["data"]["schema"]["type"] == "object"


KNOWN_BY_THE_APP = """\
app: tests.fixtures.shop_app
exchanges:
  billing: {type: direct}
queues:
  payments: {bindings: [{exchange: billing, routing_key: pay}]}
routes:
  shop.charge_card: payments
default_queue: payments
"""


@pytest.mark.parametrize(
    "args",
    [["routes", "shop.chrage_card"], ["graph", "--focus", "shop.chrage_card", "--format", "dot"]],
    ids=["routes", "graph --focus"],
)
def test_an_unknown_task_name_is_handled_alike_with_the_closest_known_one(args: list[str], tmp_path: Path) -> None:
    """`routes`, `graph --focus` (and `replay --task`, tested live) take task names by one rule: a name the
    app does not register is exit 2 with the closest one it does; without the app, a name routing.yaml does not
    know is shown, with a warning naming the closest known name, never silently."""
    seed = tmp_path / "routing.yaml"
    seed.write_text(KNOWN_BY_THE_APP)
    refused = CliRunner().invoke(main, ["-f", str(seed), *args])
    assert refused.exit_code == ExitCode.INVALID
    said = "no task named 'shop.chrage_card' in the Celery app 'tests.fixtures.shop_app'"
    assert said in refused.stderr and "(did you mean 'shop.charge_card'?)" in refused.stderr
    seed.write_text(KNOWN_BY_THE_APP.replace("app: tests.fixtures.shop_app\n", ""))
    warned = CliRunner().invoke(main, ["-f", str(seed), *args])
    assert warned.exit_code == ExitCode.OK
    assert "routing.yaml names no task 'shop.chrage_card' (did you mean 'shop.charge_card'?)" in (
        warned.stderr + warned.stdout
    )

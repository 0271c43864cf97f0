"""`import-celery`: an existing Celery app's (or config module's) routing written as routing.yaml.

The written file is checked as `validate` would check it: what it cannot yet say right is reported beside
what Celery itself would do silently, and so is what RabbitMQ of the file's target series (`--rabbitmq-version`,
written as its `rabbitmq:`; else the newest supported, as `validate` takes a file without one) refuses or
changes for the app as it stands, as warnings. It ends with the next two steps: configure the app from the
file (until then `validate` warns that the app routes by settings of its own), then apply it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from topology import hints
from topology.celery_adapter.importing.audit import Finding
from topology.celery_adapter.importing.convert import Imported, import_celery
from topology.checks.versions import Target, target
from topology.codes import Code, ExitCode
from topology.commands.result import Result
from topology.errors import InvalidTopology
from topology.language.loader import check_text
from topology.language.writer import topology_yaml
from topology.model import Problem, Severity


@dataclass(frozen=True)
class ImportReport:
    module: str
    imported: Imported
    text: str  # the routing.yaml written
    findings: tuple[Finding, ...]
    next_steps: tuple[str, ...]
    target: Target  # the RabbitMQ series the file targets, whose hazards for the app are `hazards`
    hazards: tuple[Problem, ...] = ()  # warnings: they leave the exit code as the findings make it


def import_command(
    module: str, namespace: str | None = None, output: str | None = None, rabbitmq: str | None = None
) -> Result[ImportReport]:
    """Exit 0 when nothing was found wrong, 1 with findings; CannotImport (exit 2) when MODULE does not import.
    `output`: where the file is written (named in the next steps); `rabbitmq`: the series the file targets."""
    aimed = target(rabbitmq, None)
    imported = import_celery(module, namespace, aimed.rules)
    header = (
        f"Imported from Celery {'app' if imported.is_app else 'config module'} {module!r} by "
        "`python -m topology import-celery`.",
        "Every route publishes through the declared exchanges and bindings: `python -m topology routes` shows",
        "where each task goes, `python -m topology plan` what the broker lacks.",
    )
    topology = replace(imported.topology, app=module if imported.is_app else None, rabbitmq=rabbitmq)
    text = topology_yaml(topology, imported.notes, header)
    findings = list(imported.findings)
    try:  # the task names are checked already (findings above), with their places in the Python source
        check_text(text, "routing.yaml", environ={})
    except InvalidTopology as invalid:
        errors = [p for p in invalid.problems if p.severity is Severity.ERROR]
        findings += [Finding(Code.WRITTEN_FILE_INVALID, f"the written file: {p}") for p in errors]
    steps = next_steps(module, imported, output)
    hazards = tuple(hazard.problem() for hazard in imported.hazards)
    report = ImportReport(module, imported, text, tuple(findings), steps, aimed, hazards)
    return Result(report, ExitCode.DIFFERS if findings else ExitCode.OK)


def next_steps(module: str, imported: Imported, output: str | None) -> tuple[str, ...]:
    """Configure the app from the file (what `validate` asks of an app that still routes by its own
    settings), then apply the file and check it."""
    file = f" -f {output}" if output else ""
    configure = (
        f"1. {hints.configure_app(module, imported.module_file)}"
        if imported.is_app
        else "1. configure the Celery app that reads this config module from the file: "
        "`from topology import configure, load_topology` and `configure(app, load_topology())`"
    )
    return (configure, f"2. `python -m topology validate{file}`, then `python -m topology apply{file}`")

"""`import-celery`: an existing Celery app's (or config module's) routing written as routing.yaml.

The written file is checked as `validate` would check it, with the app's task names: what it cannot
yet say right is reported beside what Celery itself would do silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from topology.celery_adapter.importing.audit import Finding
from topology.celery_adapter.importing.convert import Imported, import_celery
from topology.commands.result import ExitCode, Result
from topology.errors import InvalidTopology
from topology.language.loader import check_text
from topology.language.writer import topology_yaml
from topology.model import Severity


@dataclass(frozen=True)
class ImportReport:
    module: str
    imported: Imported
    text: str  # the routing.yaml written
    findings: tuple[Finding, ...]


def import_command(module: str) -> Result[ImportReport]:
    """Exit 0 when nothing was found wrong, 1 with findings; CannotImport (exit 2) when MODULE does not import."""
    imported = import_celery(module)
    header = (
        f"Imported from Celery {'app' if imported.is_app else 'config module'} {module!r} by "
        "`python -m topology import-celery`.",
        "Every route publishes through the declared exchanges and bindings: `python -m topology routes` shows",
        "where each task goes, `python -m topology plan` what the broker lacks.",
    )
    topology = imported.topology
    if imported.is_app:
        from dataclasses import replace

        topology = replace(topology, app=module)
    text = topology_yaml(topology, imported.notes, header)
    findings = list(imported.findings)
    try:  # the task names are checked already (findings above), with their places in the Python source
        check_text(text, "routing.yaml", environ={})
    except InvalidTopology as invalid:
        errors = [p for p in invalid.problems if p.severity is Severity.ERROR]
        findings += [Finding("written_file_invalid", f"the written file: {p}") for p in errors]
    report = ImportReport(module, imported, text, tuple(findings))
    return Result(report, ExitCode.DIFFERS if findings else ExitCode.OK)

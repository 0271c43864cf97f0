"""The one JSON envelope every command's `--format json` prints, and the records inside it.

Every command prints the same top-level keys (envelope.schema.json beside this module is the contract, and
the tests validate each command's output against it): `schema_version`, `command`, `ok`, `exit_code`,
`vhost`, `broker`, `summary`, `note`, the lists `problems`, `findings` and `changes` (empty, never null),
and `data` for what only that command has (routes' tasks, inspect's queues, doctor's answers). Objects are
records of fields (kind, name, source, destination, routing key, property, found, wanted, fix), never a
display string standing for structure, so that a program can select on them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from topology.codes import Severity
from topology.model import Problem, Ref
from topology.values import NOT_SET

if TYPE_CHECKING:
    from topology.checks.versions import Target
    from topology.commands.apply import Step
    from topology.planning.findings import Finding
    from topology.planning.plan import Change, Mismatch

SCHEMA_VERSION = 1
"""Raised when a key is removed or changes meaning; adding a key keeps it."""


@dataclass(frozen=True)
class Body:
    """What a command's report puts in the envelope (the rest comes from its Result): counts, what could not
    be checked, the file's problems, the broker's findings, the changes, and what only this command has."""

    summary: Mapping[str, int] = field(default_factory=dict)
    note: str = ""
    problems: Sequence[Problem] = ()
    findings: Sequence[Finding] = ()
    changes: Sequence[dict[str, Any]] = ()
    data: Mapping[str, Any] = field(default_factory=dict)


def envelope(
    command: str | None, exit_code: int, body: Body = Body(), *, vhost: str | None = None, broker: str | None = None
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "command": command,
        "ok": exit_code == 0,
        "exit_code": int(exit_code),
        "vhost": vhost,
        "broker": broker,
        "summary": dict(body.summary),
        "note": body.note,
        "problems": [problem_record(p) for p in body.problems],
        "findings": [finding_record(f) for f in body.findings],
        "changes": list(body.changes),
        "data": dict(body.data),
    }


def target_record(target: Target | None) -> dict[str, Any] | None:
    """The RabbitMQ version RabbitMQ's rules were checked against: its series, where it came from (broker,
    flag, file, default) and the broker's full version when it came from the broker."""
    if target is None:
        return None
    return {"series": target.rules.series, "from": target.source.value, "version": target.version or None}


def problem_record(problem: Problem) -> dict[str, Any]:
    """A problem of the file (or of the command's input, or the broker's refusal): where, when known."""
    origin = problem.origin
    return {
        "severity": problem.severity.value,
        "message": problem.message,
        "file": origin.file if origin else None,
        "line": origin.line if origin else None,
        "column": origin.column if origin else None,
    }


def error_problem(message: str) -> Problem:
    return Problem(message, None, Severity.ERROR)


def redacted_problem(problem: Problem) -> Problem:
    """`problem` with the password of any URL it quotes hidden (whatever was typed where)."""
    from topology.broker.settings import redacted

    origin = replace(problem.origin, file=redacted(problem.origin.file)) if problem.origin else None
    return replace(problem, message=redacted(problem.message), origin=origin)


def ref_record(ref: Ref) -> dict[str, Any]:
    """An object's identity as fields: a binding by source, destination, routing key and header arguments;
    an exchange, queue or policy by its name (the binding fields null)."""
    binding = ref.destination_kind is not None
    return {
        "kind": ref.kind.value,
        "name": None if binding else ref.name,
        "source": ref.source if binding else None,
        "destination": ref.name if binding else None,
        "destination_kind": ref.destination_kind.value if ref.destination_kind else None,
        "routing_key": ref.routing_key if binding else None,
        "arguments": dict(ref.arguments),
    }


def finding_record(finding: Finding) -> dict[str, Any]:
    mismatch = finding.mismatch
    return {
        "code": finding.code.value,
        "severity": finding.severity.value,
        **ref_record(finding.ref),
        "property": mismatch.prop if mismatch else None,
        "found": value(mismatch.found) if mismatch else None,
        "wanted": value(mismatch.wanted) if mismatch else None,
        "message": finding.message,
        "fix": finding.fix or None,
    }


def change_record(
    change: Change, step: Step | None = None, declares: Sequence[tuple[str, object]] = ()
) -> dict[str, Any]:
    """A planned change; with `step`, what `apply` made of it (`status`, and the broker's reason if it failed);
    `declares`: what it declares, attribute by attribute (`Plan.declared`)."""
    record = {
        "action": change.action.value,
        **ref_record(change.ref),
        "declares": dict(declares),
        "differences": [difference(m) for m in change.mismatches],
        "detail": change.detail,
        "fix": change.fix,
        "implied_by": ref_record(change.implied_by) if change.implied_by else None,
    }
    if step is not None:
        record |= {"status": step.status.value, "detail": step.detail or change.detail}
    return record


def difference(mismatch: Mismatch) -> dict[str, Any]:
    return {"property": mismatch.prop, "found": value(mismatch.found), "wanted": value(mismatch.wanted)}


def value(found: object) -> Any:
    """A property's value as JSON: absent (not set) is null."""
    return None if found is NOT_SET else found

"""`export`: routing.yaml as RabbitMQ definitions of the URL's vhost, to -o or stdout."""

from __future__ import annotations

import json
from typing import Any

from topology.cli.envelope import Body
from topology.cli.render import DocumentRenderer
from topology.commands.export import ExportReport
from topology.commands.result import Result


def _export_body(result: Result[ExportReport]) -> Body:
    definitions = result.report.definitions
    summary = {kind: len(definitions.get(kind, ())) for kind in ("exchanges", "queues", "bindings", "policies")}
    return Body(summary=summary, data={"definitions": definitions})


EXPORT = DocumentRenderer("export", lambda result: json_text(result.report.definitions), _export_body)


def json_text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"

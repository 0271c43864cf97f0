"""`export`: routing.yaml as RabbitMQ definitions of the URL's vhost, or (--format asyncapi) as an AsyncAPI
3.0 document in YAML (JSON when -o names a .json file), to -o or stdout."""

from __future__ import annotations

import json
from typing import Any

import yaml

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


def _asyncapi(result: Result[ExportReport]) -> dict[str, Any]:
    document = result.report.asyncapi
    assert document is not None, "export_command makes it when a host is given"
    return document


def _asyncapi_body(result: Result[ExportReport]) -> Body:
    document = _asyncapi(result)
    return Body(summary={k: len(document[k]) for k in ("channels", "operations")}, data={"asyncapi": document})


ASYNCAPI_YAML = DocumentRenderer(
    "export", lambda result: yaml.safe_dump(_asyncapi(result), sort_keys=False, allow_unicode=True), _asyncapi_body
)
ASYNCAPI_JSON = DocumentRenderer("export", lambda result: json_text(_asyncapi(result)), _asyncapi_body)

"""`schema`: routing.yaml's JSON Schema, for editors (yaml-language-server) and other tools."""

from __future__ import annotations

from typing import Any

from topology.cli.envelope import Body
from topology.cli.render import DocumentRenderer
from topology.cli.render.export import json_text
from topology.commands.result import Result


def _body(result: Result[dict[str, Any]]) -> Body:
    return Body(data={"schema": result.report})


SCHEMA = DocumentRenderer("schema", lambda result: json_text(result.report), _body)

"""`schema`: the JSON Schema of routing.yaml, for editors (yaml-language-server) and other tools."""

from __future__ import annotations

from typing import Any

from topology.codes import ExitCode
from topology.commands.result import Result
from topology.language.schema import json_schema


def schema_command() -> Result[dict[str, Any]]:
    return Result(json_schema(), ExitCode.OK)

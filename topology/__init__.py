"""Celery routing topology for RabbitMQ, declared in routing.yaml, applied and checked against the live broker.

The sub-packages are its layers, each importing only those below it (docs/design.md; import-linter checks it):
cli | testing > commands > celery_adapter > broker > picture > planning > language > checks > routing > model.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {"InvalidTopology": "topology.errors", "Topology": "topology.model"}
_EXPORTS |= dict.fromkeys(("load_topology", "parse_topology"), "topology.language.loader")
_EXPORTS |= dict.fromkeys(("send_many", "iter_send_many", "BulkSendError"), "topology.celery_adapter.bulk")
_EXPORTS["configure"] = "topology.celery_adapter.config"
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Exports on first use (PEP 562): `import topology.x` should not pay for the YAML parser and schema,
    nor the CLI for Celery and kombu, which `send_many` imports."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'topology' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)

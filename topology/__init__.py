"""Celery routing topology for RabbitMQ, declared in routing.yaml, applied and checked against the live broker.

Layers: model (pure) -> yaml_source/document/loader/checks (read and validate) -> celery_config (kombu/Celery),
amqp (pika), management (HTTP API) -> diff (pure) -> apply/inspect -> cli.
"""

from topology.errors import InvalidTopology
from topology.loader import load_topology, parse_topology
from topology.model import Topology

__all__ = ["InvalidTopology", "Topology", "load_topology", "parse_topology"]

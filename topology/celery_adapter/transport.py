"""Which AMQP client library Celery (kombu) will use for the broker URL, and why.

kombu maps amqp:// to librabbitmq (a C client) when that module imports, else to py-amqp.
librabbitmq's last release (2.0.0, 2018) cannot be built on Python 3.11+ (its setup.py opens
files in mode 'U', which 3.11 removed), so on modern Pythons it is py-amqp.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass

from kombu.transport import TRANSPORT_ALIASES, supports_librabbitmq

from topology.broker.settings import Settings


@dataclass(frozen=True)
class TransportInfo:
    module: str
    librabbitmq_installed: bool
    reason: str


def celery_transport(settings: Settings) -> TransportInfo:
    installed = importlib.util.find_spec("librabbitmq") is not None
    # kombu.Connection's own choice, without building one (its import pulls in every serializer)
    scheme = settings.broker.scheme
    alias = "librabbitmq" if scheme == "amqp" and supports_librabbitmq() else scheme
    module = TRANSPORT_ALIASES[alias].split(":")[0]
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    if module.endswith("librabbitmq"):
        reason = "librabbitmq is installed, so kombu uses it for amqp:// (write pyamqp:// to force py-amqp)"
    elif installed:
        reason = f"librabbitmq is installed, but the {settings.broker.scheme}:// URL selects py-amqp"
    elif sys.version_info >= (3, 11):
        reason = f"librabbitmq is not installed: it cannot be built on Python {python} (3.11+), so kombu uses py-amqp"
    else:
        reason = "librabbitmq is not installed (pip install librabbitmq to try the C client), so kombu uses py-amqp"
    return TransportInfo(module, installed, reason)

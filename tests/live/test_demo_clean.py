"""`scripts/demo --clean` takes off the broker what the demo put there, and nothing else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.live.conftest import Broker


def test_the_demo_s_objects_policies_and_record_are_removed_and_nothing_else(broker: Broker, seed: Path) -> None:
    with broker.connection() as connection:
        connection.channel().queue_declare("by-hand", durable=True)  # not the demo's
    before = broker.state()
    assert {"default", "for_task_A", "topology.dead-letters"} <= set(before.queues) and before.recorded is not None
    cleaned = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo_clean.py")], env=broker.env(), capture_output=True, text=True
    )
    assert cleaned.returncode == 0, cleaned.stderr
    # the seed's 3 queues and 3 exchanges, the nets' 2 and 2, the delay ladder's 23 queues and 24 exchanges
    assert "28 queues, 29 exchanges, 2 policies and the apply record" in cleaned.stdout
    after = broker.state()
    assert set(after.queues) == {"by-hand"} and not after.exchanges and not after.policies and after.recorded is None

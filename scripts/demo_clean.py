"""What `scripts/demo` made, removed: the objects routing.yaml declares (the nets' and the delay ladder's
included) that carry this tool's owner marker, the nets' policies, and the record of the last apply, on the
broker URL's vhost.
Objects of the same names that `apply` did not make (no owner marker, or another owner's) are left alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

from topology.broker.management import ManagementClient, segment
from topology.broker.settings import resolve_settings
from topology.errors import TopologyError
from topology.hints import counted
from topology.language.loader import load_topology
from topology.planning.history import RECORD_EXCHANGE

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    try:
        topology = load_topology(ROOT / "routing.yaml").on_broker  # the delay ladder's objects included
        settings = resolve_settings()
        api = ManagementClient(settings.management)
        state = api.state(settings.vhost)
    except TopologyError as error:
        print(error, file=sys.stderr)
        return error.exit_code
    vhost = segment(settings.vhost)
    ours = topology.owner
    queues = [q.name for q in topology.queues if (queue := state.queues.get(q.name)) and queue.owner == ours]
    exchanges = [e.name for e in topology.exchanges if (ex := state.exchanges.get(e.name)) and ex.owner == ours]
    policies = [p.name for p in topology.policies if p.name in state.policies]
    for name in queues:  # their bindings go with them
        api.delete(f"/queues/{vhost}/{segment(name)}")
    for name in exchanges:
        api.delete(f"/exchanges/{vhost}/{segment(name)}")
    for name in policies:
        api.delete_policy(settings.vhost, name)
    recorded = state.recorded is not None
    if recorded:
        api.delete(f"/exchanges/{vhost}/{segment(RECORD_EXCHANGE)}")
    removed = [
        counted(len(queues), "queue"),
        counted(len(exchanges), "exchange"),
        counted(len(policies), "policy", "policies"),
    ]
    record = " and the apply record" if recorded else ""
    print(f"removed from vhost {settings.vhost!r}: {', '.join(removed)}{record}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Large routing.yaml files for the benchmark and the plan tests: many services, one shape.

`size` objects in the proportions of a real deployment, exchanges : queues : bindings = 1 : 3 : 6;
exchanges alternate direct and topic, every tenth queue is a quorum queue, each queue has two
bindings to its service's exchange, and each service routes one task to its first queue.
"""

from __future__ import annotations


def synthetic_yaml(size: int) -> str:
    services = max(1, size // 10)
    lines = ["exchanges:"]
    for s in range(services):
        lines.append(f"  svc{s}: {{type: {'topic' if s % 2 else 'direct'}}}")
    lines.append("queues:")
    for s in range(services):
        topic = s % 2 == 1
        for q in range(3):
            n = s * 3 + q
            keys = [f"svc{s}.q{q}.#", f"svc{s}.*.q{q}"] if topic else [f"svc{s}.q{q}", f"svc{s}.q{q}.retry"]
            kind = ", type: quorum" if n % 10 == 0 else ""
            binding = f"{{exchange: svc{s}, routing_key: [{keys[0]}, {keys[1]}]}}"
            lines.append(f"  svc{s}.q{q}: {{bindings: [{binding}]{kind}}}")
    lines.append("routes:")
    for s in range(services):
        key = f"svc{s}.q0.run" if s % 2 else f"svc{s}.q0"
        lines.append(f"  svc{s}.run: {{exchange: svc{s}, routing_key: {key}}}")
    lines.append("default_queue: svc0.q0")
    return "\n".join(lines) + "\n"


def object_count(size: int) -> int:
    """Exchanges + queues + bindings that `synthetic_yaml(size)` declares."""
    services = max(1, size // 10)
    return services * (1 + 3 + 6)

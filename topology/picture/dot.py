"""A Graph as Graphviz DOT text: left to right, one cluster per exchange with the queues it feeds first.

Tasks are notes, exchanges hexagons, queues cylinders, workers components. Bindings are solid, exchange-
to-exchange hops blue, alternate-exchange edges dashed orange, dead-letter edges dotted purple; missing
objects are red, objects only on the broker grey. Pure: calling `dot` is the CLI's business.
"""

from __future__ import annotations

from topology.picture.graph import Edge, EdgeKind, Graph, Node, NodeKind, Presence

_SHAPES = {
    NodeKind.TASK: 'shape=note, style=filled, fillcolor="#fff8dc"',
    NodeKind.EXCHANGE: 'shape=hexagon, style=filled, fillcolor="#e8f0fe"',
    NodeKind.QUEUE: 'shape=cylinder, style=filled, fillcolor="#e6f4ea"',
    NodeKind.WORKER: 'shape=component, style=filled, fillcolor="#f3e8fd"',
}
_EDGES = {
    EdgeKind.PUBLISH: "penwidth=1.5",
    EdgeKind.BINDING: "",
    EdgeKind.EXCHANGE_BINDING: 'color="#1a73e8"',
    EdgeKind.ALTERNATE: 'style=dashed, color="#e37400", fontcolor="#e37400"',
    EdgeKind.DEAD_LETTER: 'style=dotted, penwidth=1.5, color="#8430ce", fontcolor="#8430ce"',
    EdgeKind.CONSUME: 'color="#188038", arrowhead=vee',
    EdgeKind.DELAYED: 'style=dashed, color="#00796b", fontcolor="#00796b"',
}
_PRESENCE = {
    Presence.DECLARED: "",
    Presence.LIVE: "",
    Presence.MISSING: 'color=red, fontcolor=red, fillcolor="#fde7e7", penwidth=2',
    Presence.EXTRA: 'color=grey55, fontcolor=grey45, fillcolor="#f1f3f4"',
}
_PRESENCE_EDGE = {
    Presence.DECLARED: "",
    Presence.LIVE: "",
    Presence.MISSING: "color=red, fontcolor=red, penwidth=2",
    Presence.EXTRA: "color=grey55, fontcolor=grey45",
}
PRESENCE_NOTE = {Presence.MISSING: "missing on the broker", Presence.EXTRA: "not in routing.yaml"}


def quote(text: str) -> str:
    """A DOT double-quoted string (newlines as DOT's centred line break)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: Graph, title: str = "") -> str:
    lines = [
        "digraph routing {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=12, nodesep=0.25, ranksep=0.6'
        + (f", label={quote(title)}, labelloc=t" if title else "")
        + "];",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    clustered: dict[str, list[Node]] = {}
    for node in graph.nodes:
        cluster = graph.clusters.get(node.id)
        if cluster is None:
            lines.append("  " + _node(node))
        else:
            clustered.setdefault(cluster, []).append(node)
    for index, (exchange, members) in enumerate(clustered.items()):
        lines.append(f"  subgraph cluster_{index} {{")
        lines.append(
            f'    graph [label={quote(exchange or "(default exchange)")}, style="rounded,dashed", color=grey70];'
        )
        lines.extend("    " + _node(node) for node in members)
        lines.append("  }")
    lines.extend("  " + _edge(edge) for edge in graph.edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node(node: Node) -> str:
    notes = [*node.notes, *([PRESENCE_NOTE[node.presence]] if node.presence in PRESENCE_NOTE else [])]
    label = "\n".join([node.label, *notes])
    attributes = ", ".join(a for a in (f"label={quote(label)}", _SHAPES[node.kind], _PRESENCE[node.presence]) if a)
    return f"{quote(node.id)} [{attributes}];"


def _edge(edge: Edge) -> str:
    attributes = [f"label={quote(edge.label)}" if edge.label else "", _EDGES[edge.kind], _PRESENCE_EDGE[edge.presence]]
    shown = ", ".join(a for a in attributes if a)
    return f"{quote(edge.source)} -> {quote(edge.target)}" + (f" [{shown}];" if shown else ";")

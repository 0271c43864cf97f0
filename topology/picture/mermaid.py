"""A Graph as a Mermaid flowchart, for READMEs and wikis that render ```mermaid blocks. Pure.

The same picture as `picture.dot`: subgraphs per exchange, shapes per kind, link styles per edge kind,
and classes for missing (red) and extra (grey) objects. Mermaid ids cannot hold dots or colons, so
nodes are numbered; labels are quoted, with quotes written as Mermaid's #quot; entity.
"""

from __future__ import annotations

from topology.picture.dot import PRESENCE_NOTE
from topology.picture.graph import EdgeKind, Graph, Node, NodeKind, Presence

_SHAPES = {
    NodeKind.TASK: ('["', '"]'),
    NodeKind.EXCHANGE: ('{{"', '"}}'),
    NodeKind.QUEUE: ('[("', '")]'),
    NodeKind.WORKER: ('[["', '"]]'),
}
_ARROWS = {
    EdgeKind.PUBLISH: "==>",
    EdgeKind.BINDING: "-->",
    EdgeKind.EXCHANGE_BINDING: "-->",
    EdgeKind.ALTERNATE: "-.->",
    EdgeKind.DEAD_LETTER: "-.->",
    EdgeKind.CONSUME: "-->",
    EdgeKind.DELAYED: "-.->",
}
_LINK_STYLES = {
    EdgeKind.EXCHANGE_BINDING: "stroke:#1a73e8",
    EdgeKind.ALTERNATE: "stroke:#e37400,stroke-dasharray:6 3",
    EdgeKind.DEAD_LETTER: "stroke:#8430ce,stroke-dasharray:2 2",
    EdgeKind.CONSUME: "stroke:#188038",
    EdgeKind.DELAYED: "stroke:#00796b,stroke-dasharray:6 3",
}
_PRESENCE_LINKS = {Presence.MISSING: "stroke:red,stroke-width:2px", Presence.EXTRA: "stroke:grey"}
_CLASSES = (
    "  classDef missing stroke:red,stroke-width:2px,color:red",
    "  classDef extra stroke:grey,color:grey,fill:#f1f3f4",
)


def label(text: str) -> str:
    return text.replace('"', "#quot;")


def to_mermaid(graph: Graph) -> str:
    ids = {node.id: f"n{index}" for index, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    clustered: dict[str, list[Node]] = {}
    for node in graph.nodes:
        cluster = graph.clusters.get(node.id)
        if cluster is None:
            lines.append("  " + _node(node, ids))
        else:
            clustered.setdefault(cluster, []).append(node)
    for index, (exchange, members) in enumerate(clustered.items()):
        lines.append(f'  subgraph c{index}["{label(exchange or "(default exchange)")}"]')
        lines.extend("    " + _node(node, ids) for node in members)
        lines.append("  end")
    styles = []
    for index, edge in enumerate(graph.edges):
        text = f'|"{label(edge.label)}"|' if edge.label else ""
        lines.append(f"  {ids[edge.source]} {_ARROWS[edge.kind]}{text} {ids[edge.target]}")
        style = _PRESENCE_LINKS.get(edge.presence) or _LINK_STYLES.get(edge.kind)
        if style:
            styles.append(f"  linkStyle {index} {style}")
    lines.extend(styles)
    lines.extend(_CLASSES)
    for presence in (Presence.MISSING, Presence.EXTRA):
        marked = [ids[n.id] for n in graph.nodes if n.presence is presence]
        if marked:
            lines.append(f"  class {','.join(marked)} {presence.value}")
    return "\n".join(lines) + "\n"


def _node(node: Node, ids: dict[str, str]) -> str:
    notes = [*node.notes, *([PRESENCE_NOTE[node.presence]] if node.presence in PRESENCE_NOTE else [])]
    text = "<br/>".join(label(line) for line in [node.label, *notes])
    opening, closing = _SHAPES[node.kind]
    return f"{ids[node.id]}{opening}{text}{closing}"

"""Small deterministic layouts for graphs of tens of nodes (no Graphviz needed).

* :func:`layered`: a Sugiyama-style layered drawing for a hierarchy: a node's layer is the
  longest chain of superiors above it; the order within a layer is improved by a few sweeps of
  the barycentre heuristic; ties are broken by title, so the same data always gives the same
  picture. Peers (two nodes joined by a symmetric edge drawn across, such as counterparts) are
  put side by side where that moves no node above its superior: a peer with no superior goes
  down to its peer's layer, just after it, with a gap wide enough for the edge's label.
* :func:`bipartite`: two columns (states and the arrangements they are party to), ordered by
  barycentre sweeps to reduce crossings.

Text width is estimated from the character count (no font metrics at hand), generously.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from .model import Graph, Node

FONT = 13.0
SMALL = 11.0
PAD_X = 12.0
GAP_X = 28.0
GAP_Y = 70.0
SWEEPS = 6


def text_width(text: str, size: float = FONT) -> float:
    """A generous estimate: wide characters (CJK) count double."""
    units = sum(1.0 if ord(c) > 0x2E80 else 0.6 for c in text)
    return units * size


def size_node(node: Node, max_width: float = 220.0) -> None:
    lines = [text_width(node.title, FONT)]
    if node.subtitle:
        lines.append(min(text_width(node.subtitle, SMALL), max_width))
    if node.note:
        lines.append(text_width(node.note, SMALL))
    node.w = max(90.0, max(lines) + 2 * PAD_X)
    node.h = 22.0 + 15.0 * (len(lines) - 1) + 8.0


def _peers(graph: Graph) -> list[tuple[str, str]]:
    """Pairs joined by a symmetric (arrowless) edge drawn across layers."""
    return sorted({(e.source, e.target) for e in graph.edges
                   if not e.layered and not e.arrow
                   and e.source in graph.nodes and e.target in graph.nodes})


def _layers(graph: Graph) -> tuple[dict[str, int], set[str]]:
    """Each node's layer, and the roots moved down beside their peer."""
    superiors: dict[str, list[str]] = defaultdict(list)
    for e in graph.edges:
        if e.layered and e.source in graph.nodes and e.target in graph.nodes:
            superiors[e.target].append(e.source)
    lowest: dict[str, int] = {}

    def layers() -> dict[str, int]:
        layer: dict[str, int] = {}

        def depth(n: str, visiting: frozenset[str]) -> int:
            if n in layer:
                return layer[n]
            ups = [u for u in superiors.get(n, []) if u not in visiting]  # cycles: cut
            d = 0 if not ups else 1 + max(depth(u, visiting | {n}) for u in ups)
            layer[n] = max(d, lowest.get(n, 0))
            return layer[n]

        for n in sorted(graph.nodes):
            depth(n, frozenset())
        return layer

    layer = layers()
    for a, b in _peers(graph):  # a root peer goes down to its peer's layer
        for root, other in ((a, b), (b, a)):
            if not superiors.get(root) and layer[root] < layer[other] and root not in lowest:
                lowest[root] = layer[other]
                break
    return (layers() if lowest else layer), set(lowest)


def _neighbours(graph: Graph) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for e in graph.edges:
        if e.source in graph.nodes and e.target in graph.nodes:
            out[e.source].append(e.target)
            out[e.target].append(e.source)
    return out


def _sweep(rows: list[list[str]], neighbours: dict[str, list[str]]) -> None:
    """Barycentre ordering, alternately downwards and upwards."""
    for i in range(SWEEPS):
        order = range(1, len(rows)) if i % 2 == 0 else range(len(rows) - 2, -1, -1)
        for r in order:
            ref = rows[r - 1] if i % 2 == 0 else rows[r + 1]
            pos = {n: k for k, n in enumerate(ref)}
            current = {n: k for k, n in enumerate(rows[r])}

            def key(n: str, pos: dict[str, int] = pos,
                    current: dict[str, int] = current) -> tuple[float, int]:
                ks = [pos[m] for m in neighbours.get(n, []) if m in pos]
                return (sum(ks) / len(ks) if ks else float(current[n]), current[n])

            rows[r].sort(key=key)


def layered(graph: Graph, *, top: float = 10.0) -> tuple[float, float]:
    """Place the nodes of a hierarchy (edges point from superior to subordinate).

    Nodes marked ``ghost`` are kept next to the node their non-layered edge points to.
    Returns (width, height) of the drawing.
    """
    for node in graph.nodes.values():
        size_node(node)
    layer, moved = _layers(graph)
    # a ghost (what an upgrade replaces) sits in the layer of what replaces it
    for e in graph.edges:
        if not e.layered and graph.nodes.get(e.source) and graph.nodes[e.source].ghost \
                and e.target in layer:
            layer[e.source] = layer[e.target]
    rows: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for n in sorted(graph.nodes, key=lambda n: (graph.nodes[n].title.lower(), n)):
        rows[layer[n]].append(n)
    _sweep(rows, _neighbours(graph))
    for e in graph.edges:  # a ghost goes just before what replaces it
        ghost = graph.nodes.get(e.source)
        if e.layered or ghost is None or not ghost.ghost or e.target not in layer:
            continue
        row = rows[layer[e.target]]
        if e.source in row:
            row.remove(e.source)
            row.insert(row.index(e.target), e.source)
    for a, b in _peers(graph):  # a moved peer goes just after the one it was moved beside
        for mover, other in ((a, b), (b, a)):
            if mover in moved and layer[mover] == layer[other]:
                row = rows[layer[other]]
                row.remove(mover)
                row.insert(row.index(other) + 1, mover)
    gaps = _gaps(graph)
    widths = [sum(graph.nodes[n].w for n in row)
              + sum(gaps.get(frozenset(p), GAP_X) for p in pairwise(row))
              for row in rows]
    total_w = max(widths, default=0.0)
    y = top
    for row, row_w in zip(rows, widths, strict=True):
        x = (total_w - row_w) / 2
        row_h = max((graph.nodes[n].h for n in row), default=0.0)
        for k, n in enumerate(row):
            node = graph.nodes[n]
            node.x, node.y = x, y + (row_h - node.h) / 2
            x += node.w + (gaps.get(frozenset(row[k:k + 2]), GAP_X) if k + 1 < len(row) else 0)
        y += row_h + GAP_Y
    return total_w, max(y - GAP_Y, top)


def _gaps(graph: Graph) -> dict[frozenset[str], float]:
    """Room between two nodes joined by a labelled edge drawn across: its label fits."""
    out: dict[frozenset[str], float] = {}
    for e in graph.edges:
        if not e.layered and e.label:
            key = frozenset((e.source, e.target))
            out[key] = max(out.get(key, GAP_X), text_width(e.label, SMALL) + 24)
    return out


def bipartite(graph: Graph, left: list[str], right: list[str], *,
              gap: float = 260.0, row_gap: float = 12.0) -> tuple[float, float]:
    """Two columns; edges run between them. Returns (width, height)."""
    for node in graph.nodes.values():
        size_node(node)
    cols = [sorted(left, key=lambda n: graph.nodes[n].title.lower()),
            sorted(right, key=lambda n: graph.nodes[n].title.lower())]
    _sweep(cols, _neighbours(graph))
    col_w = [max((graph.nodes[n].w for n in col), default=0.0) for col in cols]
    heights = [sum(graph.nodes[n].h for n in col) + row_gap * max(len(col) - 1, 0)
               for col in cols]
    total_h = max(heights, default=0.0)
    x = 0.0
    for col, w, h in zip(cols, col_w, heights, strict=True):
        y = (total_h - h) / 2
        for n in col:
            node = graph.nodes[n]
            node.x, node.y = x + (w - node.w if x == 0 else 0), y
            y += node.h + row_gap
        x += w + gap
    return col_w[0] + gap + col_w[1], total_h

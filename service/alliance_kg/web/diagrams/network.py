"""Who is party to what: states on the left, the arrangements they are party to on the right.

Read from the live store (asserted + inferred): ``?arrangement akg:hasParty ?state`` for every
``akg:State`` (``akg:partyTo``, its inverse, counts through the reasoner). Arrangements are
coloured by their kind (alliance, framework, partnership, agreement) from their types.
"""

from __future__ import annotations

from ..context import AppState
from ..selects import select
from .layout import bipartite
from .model import Edge, Graph
from .names import nodes_for
from .svg import Drawing, curve_across


def read(st: AppState) -> list[tuple[str, str]]:
    """(state, arrangement) pairs."""
    rows = select(st, """
        SELECT DISTINCT ?state ?arr WHERE {
          ?arr akg:hasParty ?state . ?state a akg:State .
          FILTER(isIRI(?arr) && isIRI(?state))
        } ORDER BY ?state ?arr""")
    return [(str(r["state"]), str(r["arr"])) for r in rows]


def render(st: AppState, focus: str | None = None) -> str:
    pairs = read(st)
    states = sorted({s for s, _ in pairs})
    arrangements = sorted({a for _, a in pairs})
    names = nodes_for(st, {*states, *arrangements})
    g = Graph()
    for iri in (*states, *arrangements):
        g.add_node(names[iri])
    for s, a in pairs:
        g.add_edge(Edge(s, a, "party", ""))
    width, height = bipartite(g, states, arrangements)
    top, left = 40.0, 10.0
    total_h = top + height + 40
    d = Drawing(max(width + 2 * left, 420.0), total_h, "States and the arrangements they are "
                "party to", "Each line: the state is a party to the alliance, framework, "
                "partnership or agreement.", "network")
    d.text(d.group(), left, 22, "States and what they are party to", "panel-title",
           anchor="start")
    edges = d.group(attrs={"class": "edges", "transform": f"translate({left:.0f},{top:.0f})"})
    nodes = d.group(attrs={"class": "nodes", "transform": f"translate({left:.0f},{top:.0f})"})
    for e in g.edges:
        src, dst = g.nodes[e.source], g.nodes[e.target]
        d.edge(edges, e, curve_across(src.x + src.w, src.y + src.h / 2, dst.x,
                                      dst.y + dst.h / 2), None,
               focus=focus in (e.source, e.target), arrow=False)
    for iri, node in sorted(g.nodes.items()):
        d.node(nodes, node, focus=iri == focus)
    d.legend(left, top + height + 22, ["party"], False)
    return d.to_string()


def nodes_in(st: AppState) -> set[str]:
    pairs = read(st)
    return {s for s, _ in pairs} | {a for _, a in pairs}

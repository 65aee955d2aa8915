"""What a diagram is made of: nodes and edges with the words and links to show.

The data modules (:mod:`.command`, :mod:`.timeline`, :mod:`.network`) fill these from SPARQL;
:mod:`.layout` places them; :mod:`.svg` draws them. Nothing here knows about any of the three.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Node:
    iri: str
    title: str  #: the main line (an abbreviation where there is one: "INDOPACOM")
    subtitle: str = ""  #: the full name under it, when the title is an abbreviation
    kind: str = "thing"  #: CSS class: command, force, contingent, state, arrangement, …
    note: str = ""  #: e.g. "planned · by 2025-03"
    ghost: bool = False  #: shown for reference only (e.g. what an upgrade replaces)
    href: str | None = None
    # set by the layout
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0


@dataclass
class Edge:
    source: str  #: IRI of the node the arrow leaves (the superior, the arrangement …)
    target: str
    kind: str  #: CSS class and legend entry: reportsTo, operationalCommand, upgrade, …
    label: str = ""
    pending: bool = False  #: a change announced or planned, not yet in effect
    layered: bool = True  #: whether the edge decides layers (False: drawn across a layer)
    #: the resource the edge stands for, when it is not a plain triple (a claim's IRI): the
    #: edge then links to that resource's page, so a reader can see who says so and how sure
    about: str | None = None
    href: str | None = None  #: the link for ``about`` (set from its name lookup)
    tooltip: str = ""  #: the ``<title>`` of that link
    classes: tuple[str, ...] = ()  #: extra CSS classes (e.g. "unlikely")
    arrow: bool = True  #: False for a symmetric relation (counterparts): no direction to show


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def add_node(self, node: Node) -> Node:
        return self.nodes.setdefault(node.iri, node)

    def add_edge(self, edge: Edge) -> None:
        key = (edge.source, edge.target, edge.kind, edge.about)
        if any((e.source, e.target, e.kind, e.about) == key for e in self.edges):
            return
        self.edges.append(edge)

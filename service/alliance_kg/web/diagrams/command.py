"""The command structure, before and after the changes the data says are coming.

Read from the live store (asserted + inferred):

* who reports to whom (``akg:reportsTo``) and who has operational command over whom
  (``akg:hasOperationalCommandOver``; inverses the reasoner derived count too);
* the changes: an ``akg:Upgrade`` (``akg:changes`` X, ``akg:outcome`` Y: X becomes Y), an
  ``akg:Establishment`` (``akg:outcome`` Y: Y is new), an ``akg:CommandTransfer``
  (``akg:transferFrom`` A, ``akg:transferTo`` B, ``akg:transferredForce`` F: command over F
  moves from A to B), each with its ``akg:status`` and ``akg:targetDate``.

A change is **pending** when its status is announced, planned or ongoing (or not given); a
completed or in-force change is already part of the picture, and a possible or hypothetical one
is not drawn at all. Then:

* **before**: the outcomes of pending upgrades and establishments do not exist yet, so they and
  every relation they take part in are left out (the relations the data states about the JFHQ
  are the JFHQ's, not USFJ's: nothing is carried over by guesswork); the upgraded organisation
  is shown; a pending transfer's new holder does not yet command the force;
* **after**: the upgraded organisation is shown faded with an "upgraded to" arrow to its
  successor; new organisations carry their status and target date; a pending transfer's old
  holder no longer commands the force and the new one does. Everything that comes from a
  pending change is dashed.

A claim (``akg:Claim``, e.g. an ``akg:Prediction``) whose content is one reified triple
(``rdf:subject`` / ``rdf:predicate`` / ``rdf:object``) with one of the three command predicates,
between two organisations of the "after" picture, is drawn there as what it is: a dotted
"forecast" edge labelled with what it forecasts and the likelihood the data gives, linked to
the claim's page (who says so, from which sentence). An unlikely one is also drawn faint. The
"before" picture has no forecasts: they are about the future. Nothing else is read into a
claim; a claim without a reified triple (only ``akg:claimText``) is not drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ...namespaces import AKG, AKV
from ..context import AppState
from ..selects import select
from .layout import layered
from .model import Edge, Graph, Node
from .names import nodes_for
from .svg import Drawing, curve_across, curve_down

PENDING = {str(AKV.announced), str(AKV.planned), str(AKV.ongoing)}
DONE = {str(AKV.completed), str(AKV["in-force"])}
WHEN = ("before", "after", "both")


@dataclass
class Change:
    iri: str
    kind: str
    source: str | None
    outcome: str | None
    force: str | None
    status: str | None
    target_date: str | None

    @property
    def pending(self) -> bool:
        return self.status is None or self.status in PENDING

    @property
    def drawn(self) -> bool:
        return self.pending or self.status in DONE

    def note(self) -> str:
        parts = [self.status.rsplit("/", 1)[-1] if self.status else "announced"]
        if self.target_date:
            parts.append(f"by {self.target_date}")
        return " · ".join(parts)


#: reified predicate -> the words for it in a forecast's label
FORECAST_WORDS = {
    str(AKG.counterpartOf): "equal counterparts",
    str(AKG.reportsTo): "reports to",
    str(AKG.hasOperationalCommandOver): "operational command",
}


@dataclass
class Forecast:
    """A claim that ``subject predicate object`` (not asserted), as the data states it."""

    iri: str
    subject: str
    predicate: str
    object: str
    likelihood: str | None  #: an akv:likelihood concept, when the data gives one
    prediction: bool  #: an akg:Prediction ("forecast"); else another kind of claim

    @property
    def likelihood_name(self) -> str | None:
        return self.likelihood.rsplit("/", 1)[-1].replace("-", " ") if self.likelihood else None

    def label(self) -> str:
        what = "forecast" if self.prediction else "claim"
        words = f"{what}: {FORECAST_WORDS[self.predicate]}"
        return f"{words} ({self.likelihood_name})" if self.likelihood_name else words

    def edge(self) -> Edge:
        unlikely = ("unlikely",) if self.likelihood == str(AKV.unlikely) else ()
        return Edge(self.subject, self.object, "forecast", self.label(), layered=False,
                    about=self.iri, classes=unlikely,
                    arrow=self.predicate != str(AKG.counterpartOf))  # symmetric: no arrow


@dataclass
class Facts:
    relations: list[tuple[str, str, str]] = field(default_factory=list)  #: (sup, sub, kind)
    counterparts: list[tuple[str, str]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    forecasts: list[Forecast] = field(default_factory=list)


def read(st: AppState) -> Facts:
    f = Facts()
    for row in select(st, """
        SELECT DISTINCT ?sup ?sub ?rel WHERE {
          { ?sub akg:reportsTo ?sup BIND("reportsTo" AS ?rel) }
          UNION { ?sup akg:hasOperationalCommandOver ?sub BIND("operationalCommand" AS ?rel) }
          UNION { ?sup akg:counterpartOf ?sub FILTER(STR(?sup) < STR(?sub))
                  BIND("counterpart" AS ?rel) }
          FILTER(isIRI(?sup) && isIRI(?sub))
        } ORDER BY ?rel ?sup ?sub"""):
        sup, sub, rel = str(row["sup"]), str(row["sub"]), str(row["rel"])
        if rel == "counterpart":
            f.counterparts.append((sup, sub))
        else:
            f.relations.append((sup, sub, rel))
    changes: dict[str, Change] = {}
    for row in select(st, """
        SELECT ?change ?kind ?from ?to ?force ?status ?date WHERE {
          { ?change a akg:Upgrade ; akg:changes ?from ; akg:outcome ?to
            BIND("upgrade" AS ?kind) }
          UNION { ?change a akg:Establishment ; akg:outcome ?to BIND("establishment" AS ?kind) }
          UNION { ?change a akg:CommandTransfer ; akg:transferFrom ?from ; akg:transferTo ?to ;
                    akg:transferredForce ?force BIND("transfer" AS ?kind) }
          OPTIONAL { ?change akg:status ?status }
          # as precisely as the source gives it ("2025-03"), not the comparable first day
          OPTIONAL { ?change akg:targetDate ?comparable
                     OPTIONAL { ?change akg:targetDateAsStated ?stated } }
          BIND(COALESCE(?stated, ?comparable) AS ?date)
        } ORDER BY ?change ?kind"""):
        iri = str(row["change"])
        if iri in changes and changes[iri].kind == "upgrade":
            continue  # an Upgrade whose outcome was established too: the upgrade says more
        changes[iri] = Change(
            iri, str(row["kind"]), _opt(row, "from"), _opt(row, "to"), _opt(row, "force"),
            _opt(row, "status"), _opt(row, "date"))
    f.changes = [c for c in changes.values() if c.drawn]
    forecasts: dict[str, Forecast] = {}
    for row in select(st, """
        SELECT DISTINCT ?claim ?s ?p ?o ?likelihood ?prediction WHERE {
          ?claim a ?type ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
          FILTER(?type IN (akg:Claim, akg:Prediction))
          FILTER(?p IN (akg:counterpartOf, akg:reportsTo, akg:hasOperationalCommandOver)
                 && isIRI(?s) && isIRI(?o) && ?s != ?o)
          OPTIONAL { ?claim akg:likelihood ?likelihood }
          BIND(EXISTS { ?claim a akg:Prediction } AS ?prediction)
        } ORDER BY ?claim ?likelihood"""):
        iri = str(row["claim"])
        if iri in forecasts:  # a reified claim has one triple; a second reading is ignored
            continue
        forecasts[iri] = Forecast(iri, str(row["s"]), str(row["p"]), str(row["o"]),
                                  _opt(row, "likelihood"),
                                  str(row.get("prediction", "")).lower() in ("true", "1"))
    f.forecasts = list(forecasts.values())
    return f


def _opt(row: Mapping[str, object], key: str) -> str | None:
    v = row.get(key)
    return None if v is None else str(v)


def structure(f: Facts, when: str) -> tuple[Graph, set[tuple[str, str, str]], dict[str, str]]:
    """The graph to draw, the pending (dashed) edges, and a note per node."""
    pending = [c for c in f.changes if c.pending]
    new = {c.outcome for c in pending if c.kind in ("upgrade", "establishment") and c.outcome}
    notes: dict[str, str] = {}
    relations = set(f.relations)
    counterparts = list(f.counterparts)
    dashed: set[tuple[str, str, str]] = set()
    extra_nodes: set[str] = set()
    ghosts: list[tuple[str, str, Change]] = []
    if when == "before":
        relations = {r for r in relations if r[0] not in new and r[1] not in new}
        counterparts = [c for c in counterparts if c[0] not in new and c[1] not in new]
        for c in pending:
            if c.kind == "upgrade" and c.source:
                extra_nodes.add(c.source)
            if c.kind == "transfer" and c.force and c.source and c.outcome:
                relations.discard((c.outcome, c.force, "operationalCommand"))
                if c.source not in new:
                    extra_nodes.add(c.source)
    else:
        for c in pending:
            if c.outcome in new:
                notes[c.outcome] = c.note()
                dashed |= {r for r in relations if c.outcome in (r[0], r[1])}
            if c.kind == "upgrade" and c.source and c.outcome:
                ghosts.append((c.source, c.outcome, c))
                relations = {r for r in relations if c.source not in (r[0], r[1])}
            if c.kind == "transfer" and c.force and c.source and c.outcome:
                relations.discard((c.source, c.force, "operationalCommand"))
                edge = (c.outcome, c.force, "operationalCommand")
                relations.add(edge)
                dashed.add(edge)
    g = Graph()
    for sup, sub, rel in sorted(relations):
        label = "reports to" if rel == "reportsTo" else "operational command"
        g.add_edge(Edge(sup, sub, rel, label, pending=(sup, sub, rel) in dashed))
    for a, b in counterparts:
        g.add_edge(Edge(a, b, "counterpart", "counterparts", layered=False, arrow=False,
                        pending=any(x in new for x in (a, b)) and when != "before"))
    for old, successor, _c in ghosts:
        g.add_edge(Edge(old, successor, "upgrade", "", pending=True, layered=False))
    iris = {e.source for e in g.edges} | {e.target for e in g.edges} | extra_nodes
    if when != "before":  # forecasts between organisations of the picture, never new nodes
        for fc in f.forecasts:
            if fc.subject in iris and fc.object in iris:
                g.add_edge(fc.edge())
    for iri in iris:
        g.nodes[iri] = Node(iri, "")
    for old, _successor, c in ghosts:
        g.nodes[old].ghost = True
        notes[old] = f"upgraded ({c.note()})"
    return g, dashed, notes


def _panel(d: Drawing, g: Graph, title: str, dy: float, focus: str | None,
           new: set[str]) -> None:
    panel = d.group(attrs={"class": "panel", "transform": f"translate(10,{dy:.0f})"})
    d.text(panel, 0, 20, title, "panel-title", anchor="start")
    edges = d.group(panel, {"class": "edges"})
    nodes = d.group(panel, {"class": "nodes"})
    labelled: set[tuple[str, str]] = set()
    for e in g.edges:
        s, t = g.nodes[e.source], g.nodes[e.target]
        touches = focus in (e.source, e.target) or (focus is not None and focus == e.about)
        # a fan of edges with one label (a command over three forces) is labelled once
        label_key = (e.source if e.kind != "reportsTo" else e.target, e.label)
        if label_key in labelled:
            e = replace(e, label="")
        labelled.add(label_key)
        if e.layered:
            if e.kind == "reportsTo":  # arrow from the subordinate up to its superior
                path = _reverse_down(t, s)
            else:
                path = curve_down(s.x + s.w / 2, s.y + s.h, t.x + t.w / 2, t.y)
            mid = ((s.x + s.w / 2 + t.x + t.w / 2) / 2, (s.y + s.h + t.y) / 2 + 4)
            if e.kind != "reportsTo":  # nearer the source: labels of a fan do not collide
                mid = (s.x + s.w / 2 + (t.x + t.w / 2 - s.x - s.w / 2) * 0.3,
                       s.y + s.h + (t.y - s.y - s.h) * 0.3 + 4)
            d.edge(edges, e, path, mid, focus=touches)
        else:
            left, right = (s, t) if s.x <= t.x else (t, s)
            x1, x2 = left.x + left.w, right.x
            y1, y2 = left.y + left.h / 2, right.y + right.h / 2
            # keep the arrow pointing at the target
            path = curve_across(x2, y2, x1, y1) if left is t else curve_across(x1, y1, x2, y2)
            # a forecast's label goes under its curve: an asserted edge between the same two
            # organisations keeps the place above
            label_y = max(y1, y2) + 15 if e.kind == "forecast" else min(y1, y2) - 6
            d.edge(edges, e, path, ((x1 + x2) / 2, label_y), focus=touches, arrow=e.arrow)
    for iri, node in sorted(g.nodes.items()):
        d.node(nodes, node, focus=iri == focus, pending=iri in new)


def _reverse_down(sub: Node, sup: Node) -> str:
    """A path from the subordinate's top up to the superior's bottom (the arrow at the top)."""
    x1, y1 = sub.x + sub.w / 2, sub.y
    x2, y2 = sup.x + sup.w / 2, sup.y + sup.h
    my = (y1 + y2) / 2
    return f"M {x1:.1f} {y1:.1f} C {x1:.1f} {my:.1f}, {x2:.1f} {my:.1f}, {x2:.1f} {y2:.1f}"


TITLES = {"before": "Before the announced changes", "after": "After the announced changes"}


def render(st: AppState, when: str = "both", focus: str | None = None) -> str:
    """The command-structure diagram as an SVG document (a string)."""
    facts = read(st)
    panels = ["before", "after"] if when == "both" else [when]
    built = [(w, *structure(facts, w)) for w in panels]
    abouts = {e.about for _, g, _, _ in built for e in g.edges if e.about}
    names = nodes_for(st, {iri for _, g, _, _ in built for iri in g.nodes} | abouts)
    new = {c.outcome for c in facts.changes if c.pending and c.outcome
           and c.kind in ("upgrade", "establishment")}
    sizes = []
    for _w, g, _dashed, notes in built:
        for iri, node in g.nodes.items():
            named = names[iri]
            node.title, node.subtitle, node.kind, node.href = (named.title, named.subtitle,
                                                               named.kind, named.href)
            node.note = notes.get(iri, "")
        for e in g.edges:
            if e.about:  # the claim's page, titled with its label: who says so, how sure
                e.href = names[e.about].href
                e.tooltip = " · ".join(p for p in (names[e.about].subtitle
                                                   or names[e.about].title, e.label) if p)
        sizes.append(layered(g, top=40.0))
    width = max((s[0] for s in sizes), default=400.0) + 20
    height = sum(s[1] for s in sizes) + 40.0 * (len(sizes) - 1) + 30
    kinds = sorted({e.kind for _, g, _, _ in built for e in g.edges})
    has_pending = any(e.pending for _, g, _, _ in built for e in g.edges)
    legend_rows = len(kinds) + (1 if has_pending else 0)
    total_h = height + 18 * legend_rows + 10
    what = " and ".join(panels)
    d = Drawing(max(width, 420.0), total_h, f"Command structure ({what})",
                "Who reports to whom and who has operational command over whom, from the "
                "knowledge graph; dashed: announced or planned changes; dotted: what the "
                "author forecasts (a claim, not a fact).", "cmd")
    dy = 0.0
    for (w, g, _dashed, _notes), size in zip(built, sizes, strict=True):
        _panel(d, g, TITLES[w], dy, focus, new if w != "before" else set())
        dy += size[1] + 40.0
    d.legend(10, height + 8, kinds, has_pending)
    return d.to_string()


def nodes_in(st: AppState) -> set[str]:
    """Every IRI the diagram shows (before or after)."""
    facts = read(st)
    out: set[str] = set()
    for w in ("before", "after"):
        g, _, _ = structure(facts, w)
        out |= set(g.nodes)
        out |= {e.about for e in g.edges if e.about}  # a drawn claim's page shows it, lit
    out |= {c.iri for c in facts.changes}
    return out

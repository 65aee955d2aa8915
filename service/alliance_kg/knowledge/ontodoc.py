"""Ontology documentation: one HTML page with a section per term, as pyLODE makes.

**Why not pyLODE itself.** pyLODE 3.4.1 (the current release) does not import once installed
(``pylode/version.py`` reads a ``pyproject.toml`` that the wheel does not ship); 3.3.4 works,
but its anchors are lower-cased labels (``#alliance``), not local names, and the external terms
our ontology declares for reasoners (``prov:Entity``, ``schema:Event`` ...) get documented as
terms of ours, with anchors that differ from ours only by case (``#Event`` / ``#event``).
Resource pages link here by anchor, so anchors must be stable: this module does pyLODE's job
with a Jinja template (``templates/ontodoc.html``) and anchors that are exactly the local name
(``/ontology#Alliance``, ``/ontology#reportsTo``; SKOS concepts of ``akv:`` are
``#akv-<name>``).

One function, :func:`render`, serves both places: ``alliance-kg build`` writes
``dist/ontology.html`` (deterministic: everything sorted, no dates), and the service renders the
same page at ``/ontology`` from its store's ontology graph, with our IRIs mapped to its own
pages. The page is self-contained (its stylesheet is inline) so it can be published anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jinja2
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, VANN
from rdflib.term import Node

from ..namespaces import AKG, AKV, PREFIXES
from .names import compact

#: the ontology's own IRI (the namespace without its trailing slash)
ONTOLOGY_IRI = URIRef(str(AKG).rstrip("/"))
DOC_FILE = "ontology.html"

#: (type, section id, section title, what one term is called)
KINDS: tuple[tuple[URIRef, str, str, str], ...] = (
    (OWL.Class, "classes", "Classes", "class"),
    (OWL.ObjectProperty, "object-properties", "Object properties", "object property"),
    (OWL.DatatypeProperty, "datatype-properties", "Datatype properties", "datatype property"),
    (OWL.AnnotationProperty, "annotation-properties", "Annotation properties",
     "annotation property"),
)
CHARACTERISTICS: tuple[tuple[URIRef, str], ...] = (
    (OWL.FunctionalProperty, "functional"),
    (OWL.InverseFunctionalProperty, "inverse functional"),
    (OWL.TransitiveProperty, "transitive"),
    (OWL.SymmetricProperty, "symmetric"),
    (OWL.AsymmetricProperty, "asymmetric"),
    (OWL.ReflexiveProperty, "reflexive"),
    (OWL.IrreflexiveProperty, "irreflexive"),
)


@dataclass(frozen=True)
class Link:
    text: str
    href: str
    title: str = ""


@dataclass
class Term:
    """What the page says about one term."""

    iri: str
    href: str  #: where the IRI link goes (the IRI itself, or a page of the serving site)
    anchor: str
    curie: str
    kind: str
    label: str
    labels: list[tuple[str, str]]  #: (language, label) other than the English one
    definition: str
    notes: list[str]
    facts: list[tuple[str, list[Link]]] = field(default_factory=list)


@dataclass
class Section:
    id: str
    title: str
    terms: list[Term]


def anchor(iri: str) -> str | None:
    """The stable anchor of one of our terms on the page (None for other IRIs)."""
    if iri.startswith(str(AKG)):
        return iri[len(str(AKG)):]
    if iri.startswith(str(AKV)):
        return "akv-" + iri[len(str(AKV)):]
    return None


def render(ontology: Graph, *, link: Callable[[str], str] | None = None,
           downloads: Iterable[tuple[str, str]] = (),
           search: SearchBox | None = None) -> str:
    """The documentation page of ``ontology`` (a graph holding the ontology and vocabularies).

    ``link`` maps an IRI outside the page (an external term, one of our resources) to the href
    to use; the default is the IRI itself. ``downloads`` are (label, href) links to
    machine-readable forms. ``search``: the service's search box (the file ``build`` writes
    stands alone, with no script and no form).
    """
    href = link or (lambda iri: iri)
    g = ontology

    def to_link(node: Node) -> Link:
        if isinstance(node, URIRef):
            a = anchor(str(node))
            if a is not None and _documented(g, node):
                return Link(compact(node), "#" + a, str(node))
            return Link(compact(node), href(str(node)), str(node))
        if isinstance(node, BNode):
            return Link(_class_expression(g, node), "")
        return Link(str(node), "")

    sections = []
    for kind, sid, title, singular in KINDS:
        terms = [_term(g, s, singular, to_link, href) for s in _ours(g, kind)]
        if terms:
            sections.append(Section(sid, title, terms))
    vocab_terms = [_term(g, s, "concept scheme", to_link, href)
                   for s in _ours(g, SKOS.ConceptScheme)]
    vocab_terms += [_term(g, s, "concept", to_link, href) for s in _ours(g, SKOS.Concept)]
    if vocab_terms:
        sections.append(Section("vocabularies", "Controlled vocabularies (SKOS)", vocab_terms))

    meta = _metadata(g, to_link)
    hierarchy = _hierarchy(g)
    used = {str(t) for t in g.all_nodes() if isinstance(t, URIRef)}
    namespaces = [(p, ns) for p, ns in PREFIXES.items() if any(t.startswith(ns) for t in used)]
    html = _template().render(meta=meta, sections=sections, hierarchy=hierarchy,
                              namespaces=namespaces, downloads=list(downloads), css=CSS,
                              search=search)
    return html


def write(ontology: Graph, path: Path) -> None:
    """Write the page (as ``alliance-kg build`` does), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render(ontology), encoding="utf-8")
    os.replace(tmp, path)


@dataclass(frozen=True)
class SearchBox:
    """Where the service's search lives: its endpoint, script and stylesheet."""

    action: str
    script: str
    stylesheet: str


def style_hash() -> str:
    """CSP source for the page's one inline stylesheet (``'sha256-…'``)."""
    digest = hashlib.sha256(CSS.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


# -- the model ------------------------------------------------------------------------------------


def _ours(g: Graph, kind: URIRef) -> list[URIRef]:
    return sorted((s for s in set(g.subjects(RDF.type, kind))
                   if isinstance(s, URIRef) and anchor(str(s)) is not None),
                  key=lambda s: (anchor(str(s)) or "").lower())


def _documented(g: Graph, node: URIRef) -> bool:
    kinds = {k for k, _, _, _ in KINDS} | {SKOS.ConceptScheme, SKOS.Concept}
    return any((node, RDF.type, k) in g for k in kinds)


def _literals(g: Graph, s: Node, p: URIRef) -> list[Literal]:
    return sorted((o for o in g.objects(s, p) if isinstance(o, Literal)),
                  key=lambda o: (o.language or "", str(o)))


def _english(values: list[Literal]) -> str:
    for v in values:
        if v.language in ("en", None):
            return str(v)
    return str(values[0]) if values else ""


def _term(g: Graph, s: URIRef, kind: str, to_link: Callable[[Node], Link],
          href: Callable[[str], str]) -> Term:
    labels = _literals(g, s, RDFS.label) + _literals(g, s, SKOS.prefLabel)
    label = _english(labels) or compact(s)
    others = sorted({(v.language or "", str(v)) for v in labels
                     if v.language not in ("en", None)})
    definition = _english(_literals(g, s, SKOS.definition)) or \
        _english(_literals(g, s, RDFS.comment))
    notes = [str(v) for p in (RDFS.comment, SKOS.scopeNote, SKOS.example, SKOS.note)
             for v in _literals(g, s, p)
             if str(v) != definition and v.language in ("en", None)]

    def links(nodes: Iterable[Node]) -> list[Link]:
        return sorted((to_link(n) for n in set(nodes)), key=lambda lk: lk.text.lower())

    facts: list[tuple[str, list[Link]]] = []

    def add(name: str, nodes: Iterable[Node]) -> None:
        found = links(nodes)
        if found:
            facts.append((name, found))

    add("Subclass of", g.objects(s, RDFS.subClassOf))
    add("Superclass of", g.subjects(RDFS.subClassOf, s))
    add("Equivalent to", list(g.objects(s, OWL.equivalentClass))
        + list(g.objects(s, OWL.equivalentProperty)))
    add("Disjoint with", _disjoint(g, s))
    add("Sub-property of", g.objects(s, RDFS.subPropertyOf))
    add("Super-property of", g.subjects(RDFS.subPropertyOf, s))
    add("Inverse of", list(g.objects(s, OWL.inverseOf)) + list(g.subjects(OWL.inverseOf, s)))
    add("Domain", g.objects(s, RDFS.domain))
    add("Range", g.objects(s, RDFS.range))
    chars = [name for k, name in CHARACTERISTICS if (s, RDF.type, k) in g]
    if chars:
        facts.append(("Characteristics", [Link(c, "") for c in chars]))
    for chain in g.objects(s, OWL.propertyChainAxiom):
        steps = [to_link(n) for n in Collection(g, chain)]
        facts.append(("Property chain", [Link(" ∘ ".join(x.text for x in steps), "")]))
    add("In domain of", g.subjects(RDFS.domain, s))
    add("In range of", g.subjects(RDFS.range, s))
    add("In scheme", g.objects(s, SKOS.inScheme))
    add("Broader", g.objects(s, SKOS.broader))
    add("Narrower", g.objects(s, SKOS.narrower))
    add("Concepts", g.subjects(SKOS.inScheme, s))
    add("Top concepts", g.objects(s, SKOS.hasTopConcept))
    add("Exact match", g.objects(s, SKOS.exactMatch))
    add("Close match", g.objects(s, SKOS.closeMatch))
    add("See also", g.objects(s, RDFS.seeAlso))
    return Term(iri=str(s), href=href(str(s)), anchor=anchor(str(s)) or "", curie=compact(s),
                kind=kind, label=label, labels=others, definition=definition, notes=notes,
                facts=facts)


def _disjoint(g: Graph, s: URIRef) -> list[Node]:
    out: list[Node] = list(g.objects(s, OWL.disjointWith)) + list(g.subjects(OWL.disjointWith, s))
    for axiom in g.subjects(RDF.type, OWL.AllDisjointClasses):
        for members in g.objects(axiom, OWL.members):
            items = list(Collection(g, members))
            if s in items:
                out += [m for m in items if m != s]
    return out


def _class_expression(g: Graph, node: BNode) -> str:
    """A readable rendering of an anonymous class (union, intersection, restriction)."""
    for pred, word in ((OWL.unionOf, " or "), (OWL.intersectionOf, " and ")):
        members = g.value(node, pred)
        if members is not None:
            return "(" + word.join(_name(g, m) for m in Collection(g, members)) + ")"
    prop = g.value(node, OWL.onProperty)
    if prop is not None:
        for pred, word in ((OWL.someValuesFrom, "some"), (OWL.allValuesFrom, "only"),
                           (OWL.hasValue, "value")):
            value = g.value(node, pred)
            if value is not None:
                return f"{compact(prop)} {word} {_name(g, value)}"
    return "(anonymous class)"


def _name(g: Graph, node: Node) -> str:
    return _class_expression(g, node) if isinstance(node, BNode) else compact(node)


@dataclass
class TreeNode:
    link: Link
    children: list[TreeNode]


def _hierarchy(g: Graph) -> list[TreeNode]:
    """Our classes as a tree under their superclasses (external superclasses as roots)."""
    classes = set(_ours(g, OWL.Class))
    parents: dict[URIRef, list[URIRef]] = {
        c: sorted(p for p in g.objects(c, RDFS.subClassOf) if isinstance(p, URIRef))
        for c in classes}

    def node(c: URIRef, seen: frozenset[URIRef]) -> TreeNode:
        kids = sorted((k for k in classes if c in parents[k] and k not in seen),
                      key=lambda k: str(k).lower())
        a = anchor(str(c))
        lk = Link(compact(c), "#" + a if a and c in classes else str(c), str(c))
        return TreeNode(lk, [node(k, seen | {k}) for k in kids])

    roots = sorted((c for c in classes if not any(p in classes for p in parents[c])),
                   key=lambda c: str(c).lower())
    return [node(c, frozenset({c})) for c in roots]


def _metadata(g: Graph, to_link: Callable[[Node], Link]) -> dict[str, object]:
    o = ONTOLOGY_IRI
    title = _english(_literals(g, o, DCTERMS.title) + _literals(g, o, RDFS.label)) \
        or "Ontology"
    rows: list[tuple[str, list[Link]]] = [("IRI", [Link(str(o), str(o))])]
    for name, pred in (("Version IRI", OWL.versionIRI), ("Version", OWL.versionInfo),
                       ("Creator", DCTERMS.creator), ("Created", DCTERMS.created),
                       ("Modified", DCTERMS.modified), ("Licence", DCTERMS.license),
                       ("Imports", OWL.imports),
                       ("Preferred prefix", VANN.preferredNamespacePrefix),
                       ("Namespace", VANN.preferredNamespaceUri)):
        values = sorted(g.objects(o, pred), key=str)
        if values:
            rows.append((name, [Link(str(v), str(v) if isinstance(v, URIRef) else "")
                                for v in values]))
    description = _english(_literals(g, o, DCTERMS.description)
                           + _literals(g, o, RDFS.comment))
    return {"title": title, "description": description, "rows": rows}


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("alliance_kg.knowledge", "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined)
    return env.get_template("ontodoc.html")


_SPACES = re.compile(r"\s+")

#: the page's stylesheet, inline so that the page stands alone (and hashed for the CSP)
CSS = _SPACES.sub(" ", """
:root { --ink: #1d2733; --muted: #5d6b7a; --accent: #0b5cad; --line: #d8dee6; --bg: #f6f8fa;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  color: var(--ink); line-height: 1.45; }
body { margin: 0; }
a { color: var(--accent); }
code, .curie { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.92em; }
.layout { display: grid; grid-template-columns: 17rem 1fr; }
@media (max-width: 900px) { .layout { grid-template-columns: 1fr; } nav.toc { display: none; } }
nav.toc { position: sticky; top: 0; height: 100vh; overflow-y: auto; padding: 1rem;
  border-right: 1px solid var(--line); background: var(--bg); font-size: 0.88rem;
  box-sizing: border-box; }
nav.toc h2 { font-size: 0.95rem; margin: 0.8rem 0 0.3rem; }
nav.toc ul { list-style: none; padding: 0; margin: 0; }
nav.toc li { margin: 0.1rem 0; }
main { padding: 1rem 2rem 3rem; max-width: 62rem; }
h1 { margin: 0.3rem 0 0.5rem; }
.meta th { text-align: left; padding-right: 1rem; color: var(--muted); font-weight: normal;
  vertical-align: top; }
section.term { border: 1px solid var(--line); border-radius: 6px; padding: 0.6rem 1rem;
  margin: 0.9rem 0; }
section.term:target { border-color: var(--accent); box-shadow: 0 0 0 2px #cfe0f5; }
section.term h3 { margin: 0 0 0.2rem; font-size: 1.1rem; }
section.term h3 .kind { font-size: 0.8rem; color: var(--muted); font-weight: normal;
  margin-left: 0.5rem; }
.iri { color: var(--muted); font-size: 0.85rem; word-break: break-all; margin: 0 0 0.4rem; }
.definition { margin: 0.3rem 0; }
dl.facts { display: grid; grid-template-columns: 10rem 1fr; gap: 0.15rem 1rem; margin: 0.4rem 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.tree, .tree ul { list-style: none; padding-left: 1.1rem; margin: 0; }
.tree { padding-left: 0; }
.pilcrow { visibility: hidden; text-decoration: none; margin-left: 0.3rem; }
section.term:hover .pilcrow { visibility: visible; }
""").strip()

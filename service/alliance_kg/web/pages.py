"""From a :class:`~.resources.Description` to what a resource page shows.

The templates only loop and print; every decision is made here: which label a term gets (English
``skos:prefLabel``, else ``rdfs:label``, else a prefixed name), where a link goes (our IRIs to
their page on this server, other IRIs out), how literals show their language and datatype,
which statements are inferred, which sentence each statement comes from, and the link-outs to
Wikidata and DBpedia from ``owl:sameAs`` / ``skos:exactMatch``/``closeMatch``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS
from rdflib.term import Identifier, Node

from ..namespaces import AKG, PREFIXES
from .iris import href, is_ours
from .resources import Description, Statement

#: predicates whose external objects are link-outs to the same thing elsewhere
ALIGNMENT = (OWL.sameAs, SKOS.exactMatch, SKOS.closeMatch)
#: schemes a page may link to: anything else (``javascript:``, ``data:``) is shown as text
WEB_SCHEMES = frozenset({"http", "https"})
#: link-out hosts with a friendly name
KNOWN_SITES: dict[str, str] = {
    "www.wikidata.org": "Wikidata",
    "wikidata.org": "Wikidata",
    "dbpedia.org": "DBpedia",
    "schema.org": "schema.org",
}
#: predicates shown first, in this order; the rest sorted by their label
FIRST = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, RDFS.comment, SKOS.definition)
CLAIM = str(AKG.Claim)


def curie(iri: str) -> str:
    """``akr:japan`` for an IRI in one of our prefixes, else the IRI itself."""
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = prefix
    if best:
        local = iri[len(PREFIXES[best]):]
        if local and all(c.isalnum() or c in "-_." for c in local):
            return f"{best}:{local}"
    return iri


def is_web_link(url: str) -> bool:
    """True for an http(s) URL or a path on this site: data may hold any IRI, and a
    ``javascript:`` one made a link would run in the page's origin (only the CSP stopped it)."""
    if url.startswith("/") and not url.startswith("//"):
        return True
    return urlsplit(url).scheme.lower() in WEB_SCHEMES


def safe_href(iri: str, base: str) -> str | None:
    """Where a link to ``iri`` goes, or None when it must be shown as text (see is_web_link)."""
    target = href(iri, base)
    return target if is_web_link(target) else None


def explain_href(t: tuple[Node, Node, Node]) -> str:
    """The ``/explain`` URL of a statement (where an *inferred* badge leads)."""
    s, p, o = t
    return "/explain?" + urlencode({"s": str(s), "p": str(p),
                                    "o": o.n3() if isinstance(o, Literal) else str(o)})


@dataclass
class TermView:
    kind: str  #: "iri", "literal" or "bnode"
    text: str
    iri: str | None = None
    href: str | None = None
    external: bool = False
    lang: str | None = None
    datatype: str | None = None
    datatype_href: str | None = None
    #: a blank node's own statements (predicate, value), or the members of an RDF list
    rows: list[tuple[TermView, TermView]] = field(default_factory=list)
    items: list[TermView] | None = None


@dataclass
class SourceView:
    graph: str
    key: str  #: anchor and short name: "s11", or the graph's label
    href: str
    quote: str | None
    lang: str | None
    kind: str  #: "sentence" or "graph"


@dataclass
class ValueView:
    term: TermView
    inferred: bool
    sources: list[SourceView]
    graphs: list[str]
    #: where the *inferred* badge leads: the statement's proof
    explain: str | None = None


@dataclass
class Group:
    predicate: TermView
    values: list[ValueView]


@dataclass
class LinkOut:
    site: str
    text: str
    href: str
    predicate: str


@dataclass
class ClaimView:
    term: TermView
    kind: str
    text: str | None
    lang: str | None
    authors: list[TermView]
    likelihood: TermView | None
    sources: list[SourceView]


@dataclass
class PageView:
    iri: str
    title: str
    title_lang: str | None
    labels_ja: list[str]
    labels_en: list[str]
    other_labels: list[tuple[str, str]]
    curie: str
    types: list[ValueView]
    outgoing: list[Group]
    incoming: list[Group]
    incoming_truncated: bool
    used_as_predicate: int
    link_outs: list[LinkOut]
    claim: ClaimView | None
    claims_about: list[ClaimView]
    sources: list[SourceView]
    graph_size: int | None
    graph_statements: list[tuple[TermView, TermView, TermView]]
    has_inferred: bool


class Presenter:
    """Turns the terms of one description into views (needs its labels and the base)."""

    def __init__(self, d: Description, base: str) -> None:
        self.d = d
        self.base = base
        self._closure: dict[Identifier, list[Statement]] = defaultdict(list)
        for st in d.closure:
            self._closure[st.subject].append(st)
        self._source_views: dict[str, SourceView] = {}

    # -- terms --------------------------------------------------------------------------

    def term(self, t: Identifier, depth: int = 0) -> TermView:
        if isinstance(t, URIRef):
            iri = str(t)
            label = self.d.label(iri) or curie(iri)
            ours = is_ours(iri, self.base)
            return TermView("iri", label, iri=iri, href=safe_href(iri, self.base),
                            external=not ours)
        if isinstance(t, Literal):
            dt = str(t.datatype) if t.datatype is not None else None
            return TermView("literal", str(t), lang=t.language,
                            datatype=curie(dt) if dt else None,
                            datatype_href=safe_href(dt, self.base) if dt else None)
        view = TermView("bnode", "[ ]")
        if isinstance(t, BNode) and depth < 8:
            items = self._list_items(t, depth)
            if items is not None:
                view.items = items
                view.text = "( … )"
            else:
                view.rows = [(self.term(st.predicate), self.term(st.object, depth + 1))
                             for st in sorted(self._closure.get(t, []), key=_order)]
        return view

    def _list_items(self, node: Identifier, depth: int) -> list[TermView] | None:
        items: list[TermView] = []
        seen: set[Identifier] = set()
        while node != RDF.nil:
            if node in seen:
                return None
            seen.add(node)
            props = {st.predicate: st.object for st in self._closure.get(node, [])}
            if RDF.first not in props or RDF.rest not in props:
                return None
            items.append(self.term(props[RDF.first], depth + 1))
            node = props[RDF.rest]
        return items

    # -- sources ------------------------------------------------------------------------

    def source(self, graph: str) -> SourceView:
        if graph not in self._source_views:
            src = self.d.sources.get(graph)
            local = graph.rsplit("/", 1)[-1]
            key = local.rsplit("-", 1)[-1] if src and src.quote else local
            if src and src.position is not None:
                key = f"s{src.position:02d}"
            label = self.d.label(graph)
            self._source_views[graph] = SourceView(
                graph=graph, key=key if (src and src.quote) else (label or curie(graph)),
                href=safe_href(graph, self.base) or "", quote=src.quote if src else None,
                lang=src.quote_lang if src else None,
                kind="sentence" if src and src.quote else "graph")
        return self._source_views[graph]

    def value(self, st: Statement, term: Identifier) -> ValueView:
        proof = (explain_href((st.subject, st.predicate, st.object))
                 if st.inferred and not isinstance(st.subject, BNode)
                 and not isinstance(st.object, BNode) else None)
        return ValueView(self.term(term), st.inferred, [self.source(g) for g in st.sources],
                         sorted(st.graphs), proof)

    # -- groups -------------------------------------------------------------------------

    def groups(self, statements: list[Statement], incoming: bool) -> list[Group]:
        by_pred: dict[URIRef, list[Statement]] = defaultdict(list)
        for st in statements:
            by_pred[st.predicate].append(st)
        out = []
        for pred, sts in by_pred.items():
            values = [self.value(st, st.subject if incoming else st.object)
                      for st in sorted(sts, key=lambda s: _sort_key(
                          self, s.subject if incoming else s.object))]
            out.append(Group(self.term(pred), values))
        return sorted(out, key=lambda g: (_first_rank(g.predicate.iri), g.predicate.text.lower()))

    def claim(self, iri: str, kind: str, text: str | None, lang: str | None,
              authors: set[str], likelihood: str | None, sources: set[str]) -> ClaimView:
        return ClaimView(self.term(URIRef(iri)), kind, text, lang,
                         [self.term(URIRef(a)) for a in sorted(authors)],
                         self.term(URIRef(likelihood)) if likelihood else None,
                         [self.source(s) for s in sorted(sources)])


def _order(st: Statement) -> tuple[str, str]:
    return (str(st.predicate), str(st.object))


def _first_rank(iri: str | None) -> int:
    for i, p in enumerate(FIRST):
        if iri == str(p):
            return i
    return len(FIRST)


def _sort_key(p: Presenter, t: Identifier) -> tuple[int, str]:
    if isinstance(t, Literal):
        return (0 if t.language in (None, "en") else 1, str(t))
    if isinstance(t, URIRef):
        return (2, (p.d.label(str(t)) or str(t)).lower())
    return (3, "")


def _kind_of(types: set[str]) -> str:
    names = sorted(t.rsplit("/", 1)[-1] for t in types if t.startswith(str(AKG)) and t != CLAIM)
    return ", ".join(names) if names else "Claim"


def present(d: Description, base: str) -> PageView:
    """The page of one description."""
    p = Presenter(d, base)
    en = sorted(d.pref_labels.get(d.iri, {}).get("en", [])
                or d.labels.get(d.iri, {}).get("en", []))
    ja = sorted(set(d.pref_labels.get(d.iri, {}).get("ja", []))
                | set(d.labels.get(d.iri, {}).get("ja", [])))
    others = sorted((lang, text) for table in (d.labels, d.pref_labels)
                    for lang, texts in table.get(d.iri, {}).items()
                    if lang not in ("en", "ja") for text in texts)
    title = d.label(d.iri) or curie(d.iri)
    title_lang = "en" if en else None

    types = [p.value(st, st.object) for st in sorted(d.types, key=lambda s: str(s.object))]
    # asserted types first, then the inferred ones
    types.sort(key=lambda v: (v.inferred, v.term.text.lower()))
    outgoing = [st for st in d.outgoing if st.predicate != RDF.type]
    link_outs = []
    for st in d.outgoing:
        if st.predicate in ALIGNMENT and isinstance(st.object, URIRef) \
                and not is_ours(str(st.object), base) and is_web_link(str(st.object)):
            target = str(st.object)
            host = urlsplit(target).hostname or ""
            site = KNOWN_SITES.get(host, host)
            link_outs.append(LinkOut(site, target.rstrip("/").rsplit("/", 1)[-1], target,
                                     curie(str(st.predicate))))
    link_outs.sort(key=lambda lo: (lo.site, lo.text))

    claim = None
    if CLAIM in d.type_iris():
        by_pred: dict[URIRef, list[Identifier]] = defaultdict(list)
        for st in d.outgoing:
            by_pred[st.predicate].append(st.object)
        texts = [t for t in by_pred.get(AKG.claimText, []) if isinstance(t, Literal)]
        text = next((t for t in texts if t.language == "en"), texts[0] if texts else None)
        asserted_types = {str(st.object) for st in d.types if not st.inferred}
        likelihoods = by_pred.get(AKG.likelihood, [])
        claim = p.claim(
            d.iri, _kind_of(asserted_types or d.type_iris()),
            str(text) if text is not None else None, text.language if text is not None else None,
            {str(a) for a in by_pred.get(PROV.wasAttributedTo, [])},
            str(likelihoods[0]) if likelihoods else None,
            {str(s) for s in by_pred.get(PROV.wasDerivedFrom, [])})
    claims_about = [p.claim(c.iri, _kind_of(c.types), c.text, c.text_lang, c.authors,
                            c.likelihood, c.sources) for c in d.claims]

    out_groups = p.groups(outgoing, incoming=False)
    in_groups = p.groups(d.incoming, incoming=True)
    graph_statements = [(p.term(st.subject), p.term(st.predicate), p.term(st.object))
                        for st in d.graph_statements]
    sources = sorted(p._source_views.values(), key=lambda s: (s.kind, s.key))
    has_inferred = any(v.inferred for g in (*out_groups, *in_groups) for v in g.values) \
        or any(v.inferred for v in types)
    return PageView(
        iri=d.iri, title=title, title_lang=title_lang, labels_ja=ja, labels_en=en,
        other_labels=others, curie=curie(d.iri), types=types, outgoing=out_groups,
        incoming=in_groups, incoming_truncated=d.incoming_truncated,
        used_as_predicate=d.used_as_predicate, link_outs=link_outs, claim=claim,
        claims_about=claims_about, sources=sources, graph_size=d.graph_size,
        graph_statements=graph_statements, has_inferred=has_inferred)


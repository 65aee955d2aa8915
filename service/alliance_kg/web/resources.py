"""What the dataset says about one IRI: the description behind every resource page and document.

A description is symmetric, like a Symmetric Concise Bounded Description: every triple with
the IRI as subject (with the blank nodes it leads to, a few levels deep: OWL restrictions and
RDF lists) and every triple with the IRI as object, read from **every named graph** with the
graph it is in. The graph tells where the triple comes from:

* ``akgraph:asserted`` (or the ontology, shapes, description, catalogue graphs): stated;
* ``akgraph:inferred`` only: derived by the OWL 2 RL reasoner (shown as *inferred*);
* any other graph, e.g. a sentence graph ``akr:article-maslow-2024-s11``: the source that
  states it; a graph with an ``akg:quote`` is a sentence, quoted on the page.

Labels (``skos:prefLabel``, ``rdfs:label`` in every language) of every IRI on the page, the
quotes of the source sentences, and the claims about the resource (``akg:about`` /
``akg:explains``, with author and likelihood) are fetched with three more queries. All queries
go through :func:`.selects.select`, with the IRI put in only by :func:`.iris.sparql_iri`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, SKOS
from rdflib.term import Identifier

from ..namespaces import (
    ASSERTED,
    CATALOGUE,
    DESCRIPTION,
    INFERRED,
    ONTOLOGY,
    SHAPES,
    SOURCE_GRAPH_PREFIX,
)
from .context import AppState
from .iris import sparql_iri
from .selects import select

#: rows of incoming triples read at most (a class with very many instances is cut, and says so)
INCOMING_LIMIT = 1000
#: statements of a named graph listed on its page at most
GRAPH_LISTING_LIMIT = 200
#: how deep blank nodes below the resource are followed (restrictions, lists of up to 4)
BNODE_DEPTH = 5
#: IRIs per label query (a VALUES block)
LABEL_BATCH = 400

#: graphs whose triples are stated (not derived) and are not a source of their own
SYSTEM_GRAPHS: dict[str, str] = {
    str(ASSERTED): "asserted",
    str(INFERRED): "inferred",
    str(ONTOLOGY): "ontology",
    str(SHAPES): "shapes",
    str(DESCRIPTION): "dataset description",
    str(CATALOGUE): "catalogue",
}

Triple = tuple[Identifier, Identifier, Identifier]


@dataclass
class Statement:
    """One triple and the named graphs it was found in."""

    subject: Identifier
    predicate: URIRef
    object: Identifier
    graphs: set[str] = field(default_factory=set)

    @property
    def inferred(self) -> bool:
        """Only in the inferred graph: the reasoner's, not anyone's statement."""
        return self.graphs == {str(INFERRED)}

    @property
    def sources(self) -> list[str]:
        """The graphs other than the system graphs (sentence graphs, merged sources), sorted."""
        return sorted(g for g in self.graphs if g not in SYSTEM_GRAPHS)


@dataclass
class Claim:
    """A claim about the resource: who says it, how likely, in what words."""

    iri: str
    types: set[str] = field(default_factory=set)
    text: str | None = None
    text_lang: str | None = None
    authors: set[str] = field(default_factory=set)
    likelihood: str | None = None
    sources: set[str] = field(default_factory=set)


@dataclass
class SourceText:
    """A source graph: a sentence with its exact words, or another (merged) graph."""

    graph: str
    quote: str | None = None
    quote_lang: str | None = None
    position: int | None = None


@dataclass
class Description:
    iri: str
    outgoing: list[Statement] = field(default_factory=list)
    incoming: list[Statement] = field(default_factory=list)
    #: triples below blank-node objects of outgoing triples (restrictions, lists), with graphs
    closure: list[Statement] = field(default_factory=list)
    incoming_truncated: bool = False
    #: statements using the IRI as predicate (for properties)
    used_as_predicate: int = 0
    #: IRI -> language ('' for none) -> labels
    labels: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    pref_labels: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    sources: dict[str, SourceText] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    #: when the IRI names a graph of the dataset: its size and (the start of) its statements
    graph_size: int | None = None
    graph_statements: list[Statement] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return bool(self.outgoing or self.incoming or self.used_as_predicate
                    or self.graph_size is not None)

    @property
    def types(self) -> list[Statement]:
        return [s for s in self.outgoing if s.predicate == RDF.type]

    def type_iris(self) -> set[str]:
        return {str(s.object) for s in self.types}

    def triples(self) -> Iterable[tuple[Identifier, Identifier, Identifier, str]]:
        """Every (s, p, o, graph) of the description, for the RDF documents."""
        for st in (*self.outgoing, *self.closure, *self.incoming):
            for g in sorted(st.graphs):
                yield st.subject, st.predicate, st.object, g

    def label(self, iri: str, lang: str = "en") -> str | None:
        """The best label of an IRI in ``lang``: prefLabel, then label, then an untagged one."""
        for table in (self.pref_labels, self.labels):
            by_lang = table.get(iri, {})
            for key in (lang, ""):
                if by_lang.get(key):
                    return sorted(by_lang[key])[0]
        return None


def _add(index: dict[Triple, Statement], s: Identifier, p: Identifier, o: Identifier,
         graph: str) -> None:
    key = (s, p, o)
    st = index.get(key)
    if st is None:
        st = index[key] = Statement(s, URIRef(str(p)), o)
    st.graphs.add(graph)


def _outgoing_query(subject: str) -> str:
    inner = ""
    for level in range(BNODE_DEPTH, 0, -1):
        prev = "?o" if level == 1 else f"?o{level - 1}"
        inner = (f"OPTIONAL {{ FILTER(isBLANK({prev})) {prev} ?p{level} ?o{level} . "
                 f"{inner}}} ")
    cols = " ".join(f"?p{i} ?o{i}" for i in range(1, BNODE_DEPTH + 1))
    return f"SELECT ?g ?p ?o {cols} WHERE {{ GRAPH ?g {{ {subject} ?p ?o . {inner}}} }}"


def load(st: AppState, iri: str) -> Description:
    """Everything the page and the documents of ``iri`` need, from the live store."""
    node = sparql_iri(iri)
    d = Description(iri)
    subject = URIRef(iri)

    out: dict[Triple, Statement] = {}
    closure: dict[Triple, Statement] = {}
    rows = select(st, f"SELECT ?g ?p ?o WHERE {{ GRAPH ?g {{ {node} ?p ?o }} }}",
                  default_graphs=None)
    for row in rows:
        _add(out, subject, row["p"], row["o"], str(row["g"]))
    if any(isinstance(row["o"], BNode) for row in rows):
        # again with what the blank nodes say, in one query so that their labels match (a
        # blank node's label means nothing outside one result); only for the few resources
        # with blank nodes (ontology terms), because the nested OPTIONALs cost
        out.clear()
        for row in select(st, _outgoing_query(node), default_graphs=None):
            g = str(row["g"])
            _add(out, subject, row["p"], row["o"], g)
            parent = row["o"]
            for level in range(1, BNODE_DEPTH + 1):
                p, o = row.get(f"p{level}"), row.get(f"o{level}")
                if p is None or o is None:
                    break
                _add(closure, parent, p, o, g)
                parent = o
    d.outgoing = list(out.values())
    d.closure = list(closure.values())

    inc: dict[Triple, Statement] = {}
    rows = select(st, f"SELECT ?g ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p {node} }} }} "
                      f"ORDER BY ?s ?p ?g LIMIT {INCOMING_LIMIT + 1}", default_graphs=None)
    d.incoming_truncated = len(rows) > INCOMING_LIMIT
    for row in rows[:INCOMING_LIMIT]:
        _add(inc, row["s"], row["p"], subject, str(row["g"]))
    d.incoming = list(inc.values())

    count_rows = select(st, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s {node} ?o }} }}",
                        default_graphs=None)
    d.used_as_predicate = int(str(count_rows[0]["n"])) if count_rows else 0

    if iri in st.store.graph_names():
        d.graph_size = st.store.count(iri)
        listing: dict[Triple, Statement] = {}
        for row in select(st, f"SELECT ?s ?p ?o WHERE {{ GRAPH {node} {{ ?s ?p ?o }} }} "
                              f"ORDER BY ?s ?p ?o LIMIT {GRAPH_LISTING_LIMIT}",
                          default_graphs=None):
            _add(listing, row["s"], row["p"], row["o"], iri)
        d.graph_statements = list(listing.values())

    if not d.exists:
        return d
    d.claims = _claims(st, node)
    _labels(st, d)
    _sources(st, d)
    return d


def _claims(st: AppState, node: str) -> list[Claim]:
    rows = select(st, f"""
        SELECT ?claim ?type ?text ?author ?likelihood ?source WHERE {{
          ?claim akg:about|akg:explains {node} ; a akg:Claim .
          OPTIONAL {{ GRAPH akgraph:asserted {{ ?claim a ?type }} }}
          OPTIONAL {{ ?claim akg:claimText ?text }}
          OPTIONAL {{ ?claim prov:wasAttributedTo ?author }}
          OPTIONAL {{ ?claim akg:likelihood ?likelihood }}
          OPTIONAL {{ ?claim prov:wasDerivedFrom ?source }}
        }} ORDER BY ?claim""")
    claims: dict[str, Claim] = {}
    for row in rows:
        c = claims.setdefault(str(row["claim"]), Claim(str(row["claim"])))
        if "type" in row:
            c.types.add(str(row["type"]))
        text = row.get("text")
        if isinstance(text, Literal) and (c.text is None or text.language == "en"):
            c.text, c.text_lang = str(text), text.language
        if "author" in row:
            c.authors.add(str(row["author"]))
        if "likelihood" in row:
            c.likelihood = str(row["likelihood"])
        if "source" in row:
            c.sources.add(str(row["source"]))
    return list(claims.values())


def _mentioned(d: Description) -> set[str]:
    iris: set[str] = {d.iri}
    for st in (*d.outgoing, *d.closure, *d.incoming, *d.graph_statements):
        for term in (st.subject, st.predicate, st.object):
            if isinstance(term, URIRef):
                iris.add(str(term))
        if isinstance(st.object, Literal) and st.object.datatype is not None:
            iris.add(str(st.object.datatype))
        iris.update(st.graphs)
    for c in d.claims:
        iris.update({c.iri, *c.types, *c.authors, *c.sources})
        if c.likelihood:
            iris.add(c.likelihood)
    return iris


def _values(iris: Iterable[str]) -> str:
    out = []
    for iri in iris:
        try:
            out.append(sparql_iri(iri))
        except ValueError:  # a malformed IRI in someone's merged data: no label for it
            continue
    return " ".join(out)


def _labels(st: AppState, d: Description) -> None:
    iris = sorted(_mentioned(d))
    labels: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    prefs: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for i in range(0, len(iris), LABEL_BATCH):
        values = _values(iris[i:i + LABEL_BATCH])
        if not values:
            continue
        rows = select(st, f"""
            SELECT DISTINCT ?x ?p ?l WHERE {{
              VALUES ?x {{ {values} }}
              {{ GRAPH ?g {{ ?x rdfs:label ?l }} BIND(rdfs:label AS ?p) }}
              UNION {{ GRAPH ?g {{ ?x skos:prefLabel ?l }} BIND(skos:prefLabel AS ?p) }}
              FILTER(isLITERAL(?l))
            }}""", default_graphs=None)
        for row in rows:
            lit = row["l"]
            lang = lit.language if isinstance(lit, Literal) and lit.language else ""
            table = prefs if row["p"] == SKOS.prefLabel else labels
            if str(lit) not in table[str(row["x"])][lang]:
                table[str(row["x"])][lang].append(str(lit))
    d.labels = {k: dict(v) for k, v in labels.items()}
    d.pref_labels = {k: dict(v) for k, v in prefs.items()}


def _sources(st: AppState, d: Description) -> None:
    graphs = sorted({g for s in (*d.outgoing, *d.incoming, *d.closure) for g in s.sources}
                    | {src for c in d.claims for src in c.sources})
    for g in graphs:
        d.sources[g] = SourceText(g)
    values = _values(graphs)
    if not values:
        return
    rows = select(st, f"""
        SELECT ?s ?q ?pos WHERE {{
          VALUES ?s {{ {values} }}
          GRAPH ?g {{ ?s akg:quote ?q }}
          OPTIONAL {{ GRAPH ?g2 {{ ?s akg:position ?pos }} }}
        }}""", default_graphs=None)
    for row in rows:
        src = d.sources[str(row["s"])]
        q = row["q"]
        src.quote = str(q)
        src.quote_lang = q.language if isinstance(q, Literal) else None
        pos = row.get("pos")
        if isinstance(pos, Literal):
            try:
                src.position = int(pos.toPython())
            except (TypeError, ValueError):
                src.position = None


def is_merged_source(graph: str) -> bool:
    return graph.startswith(SOURCE_GRAPH_PREFIX)


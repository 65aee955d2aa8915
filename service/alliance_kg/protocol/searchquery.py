"""Full-text search inside SPARQL: ``SERVICE <https://w3id.org/alliance-kg/search> { … }``.

The service answers this SERVICE itself, from its index (:mod:`.search`), as Fuseki answers
``text:query`` and QLever its text predicates. The group names the hit variable once and says
what to search and what to bind, in triples of the ``search:`` vocabulary
(``https://w3id.org/alliance-kg/search#``)::

    SERVICE <https://w3id.org/alliance-kg/search> {
      ?hit search:query "joint command" ;      # required: the text (a literal)
           search:kind "entity" ;              # optional: entity | term | sentence | claim
           search:type akg:MilitaryCommand ;   # optional: instances of this class
           search:lang "en" ;                  # optional: literals in this language
           search:limit 50 ;                   # optional: 1-1000 hits (default 100)
           search:score ?score ; search:label ?label ; search:text ?text ;
           search:snippet ?snippet ; search:predicate ?p ; search:graph ?g .
    }

Each search is replaced, before the engine sees the query, by the table of its hits (a
``VALUES`` block in the same place): the engine then joins it with the rest of the query as it
would the answer of a remote SERVICE. Where each SERVICE is, and what its group says, comes
from rdflib's SPARQL grammar (the parse every check of a query uses): its ``SERVICE`` rule finds
the clauses and their spans, and the whole query's parse must count exactly as many of ours
(strings, IRIs and comments are stepped over whole; a clause nested in another cannot be
placed: 400).
Nothing here opens a connection; the work is bounded by the text length and the hit limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import pyoxigraph as ox
from pyparsing import CaselessKeyword, ParseException, original_text_for, rest_of_line
from rdflib import Literal, URIRef, Variable
from rdflib.plugins.sparql.algebra import translatePath, translatePName, traverse
from rdflib.plugins.sparql.parser import (
    IRIREF,
    GroupGraphPattern,
    ServiceGraphPattern,
    String,
    VarOrIri,
    _Silent,
)
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Prologue

from ..errors import ErrorKind, KGError
from ..knowledge.query import parse_query
from ..namespaces import BASE
from ..store.analysis import NONDETERMINISTIC, QueryFacts, nodes
from ..store.prepared import parser_lock
from .search import KINDS, Query, SearchIndex

#: the SERVICE IRI the service answers itself
SERVICE = BASE + "search"
#: the vocabulary of the group
NS = BASE + "search#"
#: searches one query may make
MAX_CLAUSES = 8
#: hits one SERVICE clause may bind
MAX_HITS = 1000
DEFAULT_HITS = 100
_XSD = "http://www.w3.org/2001/XMLSchema#"
#: outputs: search:<name> ?var binds the hit's value
OUTPUTS = ("score", "label", "text", "snippet", "predicate", "graph", "kind", "lang", "type")
#: inputs: search:<name> "constant"
INPUTS = ("query", "kind", "type", "lang", "limit")


@dataclass
class Clause:
    """One SERVICE clause of ours: where it is, what it asks, which variables it binds."""

    start: int
    end: int
    hit: str  #: the hit variable's name
    query: Query
    outputs: dict[str, str]  #: output name -> variable name


#: what a scan of the text must step over whole (a SERVICE written in a string, an IRI with a
#: '#', a comment is no clause), then the SERVICE clauses: all rules of rdflib's grammar
_SCANNER = String | IRIREF | ("#" + rest_of_line) | original_text_for(
    # rdflib's ServiceGraphPattern rule, without its wrapper, which searches the whole text
    # again on every match to keep the clause's text (10 ms a match on a short query)
    CaselessKeyword("SERVICE") + _Silent + VarOrIri + GroupGraphPattern)


#: where one of the scanner's rules can begin (its first characters): trying them only there
#: is what pyparsing's scan_string does at every position, 11 ms on a 300-character query
_STARTS = re.compile(r"[\"'<#]|(?i:service)")


def _spans(sparql: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each match of :data:`_SCANNER`, left to right, none overlapping."""
    loc = 0
    while (found := _STARTS.search(sparql, loc)) is not None:
        start = found.start()
        try:
            end = _SCANNER.try_parse(sparql, start, raise_fatal=True)
        except ParseException:
            loc = start + 1
            continue
        yield start, end
        loc = max(end, start + 1)


def mentions(sparql: str) -> bool:
    """Whether a query can call our SERVICE at all (a cheap test before any parse: the IRI or
    a prefixed name for it always spells ``search``)."""
    return "search" in sparql


def _constant(name: str, value: object) -> str:
    if isinstance(value, Variable):
        raise KGError(ErrorKind.BAD_INPUT, f"search:{name} takes a constant here, not "
                      f"?{value}")
    return str(value)


def _clause(text: str, start: int, end: int, prologue: Prologue) -> Clause | None:
    """The clause at ``text[start:end]`` if it is a SERVICE of ours, else None: the span is
    read by the grammar's SERVICE rule alone, its prefixed names resolved with the query's
    prologue (as rdflib's translation of the whole query does)."""
    try:
        service = ServiceGraphPattern.parse_string(text[start:end], parse_all=True)[0]
        service = traverse(service, visitPost=partial(translatePName, prologue=prologue))
        service = traverse(service, visitPost=translatePath)  # a plain IRI stays one
    except Exception:  # e.g. an undeclared prefix in a look-alike: the count decides
        return None
    if not isinstance(service, CompValue) or str(dict.get(service, "term")) != SERVICE:
        return None
    group = dict.get(service, "graph")
    triples: list[tuple[object, object, object]] = []
    for part in (dict.get(group, "part") if isinstance(group, dict) else None) or []:
        if not isinstance(part, CompValue) or part.name != "TriplesBlock":
            raise KGError(ErrorKind.BAD_INPUT, f"SERVICE <{SERVICE}> takes triple patterns "
                          f"only (search:query …), not {getattr(part, 'name', part)}")
        flat = list(dict.get(part, "triples") or [])
        for row in flat:
            triples.extend(zip(row[0::3], row[1::3], row[2::3], strict=True))
    subjects = {s for s, _, _ in triples}
    if len(subjects) != 1 or not isinstance(next(iter(subjects)), Variable):
        raise KGError(ErrorKind.BAD_INPUT, f"SERVICE <{SERVICE}>: every triple has the same "
                      "variable as subject (the hit), e.g. ?hit search:query \"text\"")
    hit = str(next(iter(subjects)))
    inputs: dict[str, str] = {}
    outputs: dict[str, str] = {}
    for _, p, o in triples:
        name = str(p)[len(NS):] if str(p).startswith(NS) else None
        if name is None or name not in set(INPUTS) | set(OUTPUTS):
            known = ", ".join(f"search:{n}" for n in dict.fromkeys(INPUTS + OUTPUTS))
            raise KGError(ErrorKind.BAD_INPUT, f"SERVICE <{SERVICE}>: unknown predicate <{p}>; "
                          f"known: {known}")
        if isinstance(o, Variable) and name in OUTPUTS:
            outputs[name] = str(o)
        elif name in INPUTS:
            if name in inputs:
                raise KGError(ErrorKind.BAD_INPUT, f"search:{name} is given twice")
            if name == "type" and not isinstance(o, URIRef):
                raise KGError(ErrorKind.BAD_INPUT, "search:type takes a class IRI")
            if name != "type" and not isinstance(o, Literal | Variable):
                raise KGError(ErrorKind.BAD_INPUT, f"search:{name} takes a literal")
            inputs[name] = _constant(name, o)
        else:
            raise KGError(ErrorKind.BAD_INPUT, f"search:{name} binds a variable")
    if "query" not in inputs:
        raise KGError(ErrorKind.BAD_INPUT, f"SERVICE <{SERVICE}> needs ?{hit} search:query "
                      "\"text\"")
    try:
        limit = int(inputs.get("limit", DEFAULT_HITS))
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_HITS:
        raise KGError(ErrorKind.BAD_INPUT, f"search:limit must be 1 to {MAX_HITS}")
    kind = inputs.get("kind")
    if kind is not None and kind not in KINDS:
        raise KGError(ErrorKind.BAD_INPUT, f"search:kind is one of {', '.join(KINDS)}")
    query = Query(inputs["query"], kind=kind, type=inputs.get("type"),
                  lang=inputs.get("lang"), limit=limit, max_limit=MAX_HITS)
    return Clause(start, end, hit, query, outputs)


def read_clauses(sparql: str, budget: float = 0.0
                 ) -> tuple[list[Clause], QueryFacts | None]:
    """Our SERVICE clauses in ``sparql``, in text order ([] when it has none), and the facts
    of the query once they are answered (what the engine's worker would read again from the
    longer text): the shape of a worker's read (``executor.read_with`` runs this in a query
    worker, killed past the read wait). ``KGError`` (400) for a clause that is malformed or
    cannot be placed."""
    with parser_lock():  # rdflib's grammar is one shared object, not thread-safe
        try:
            whole = parse_query(sparql)
        except KGError:  # not readable here: the engine reads it and reports its own errors
            return ([], None)
        services = [n for n in nodes(whole.algebra) if n.name == "ServiceGraphPattern"]
        ours = sum(1 for n in services if str(dict.get(n, "term")) == SERVICE)
        if not ours:
            return ([], None)
        if ours > MAX_CLAUSES:
            raise KGError(ErrorKind.BAD_INPUT, f"the query calls SERVICE <{SERVICE}> {ours} "
                          f"times; at most {MAX_CLAUSES} searches per query")
        names = {n.name for n in nodes(whole.algebra)}
        facts = QueryFacts(read=True, has_dataset=bool(whole.algebra.get("datasetClause")),
                           deterministic=not (names & NONDETERMINISTIC - {
                               "ServiceGraphPattern"}) and len(services) == ours,
                           calls_service=len(services) > ours)
        found: list[Clause] = []
        for start, end in _spans(sparql):
            if sparql[start:start + 7].upper() != "SERVICE":
                continue  # a string, an IRI or a comment, passed over whole
            clause = _clause(sparql, start, end, whole.prologue)
            if clause is not None:
                found.append(clause)
    if len(found) != ours:
        raise KGError(ErrorKind.BAD_INPUT, f"the query calls SERVICE <{SERVICE}> {ours} "
                      f"time(s) but {len(found)} clause(s) could be placed: write each one "
                      "directly in a group, not nested in another SERVICE")
    return (found, facts)


def _bindings(clause: Clause, index: SearchIndex) -> tuple[list[str], list[list[str]]]:
    """The variables and rows of a clause's hits, as SPARQL terms (pyoxigraph writes them)."""
    names = [clause.hit, *clause.outputs.values()]
    rows: list[list[str]] = []
    for hit in index.search(clause.query):
        if hit.iri.startswith("_:"):
            continue  # a blank node cannot be named in a query
        values = {"score": ox.Literal(repr(hit.score), datatype=ox.NamedNode(_XSD + "double")),
                  "label": ox.Literal(hit.label),
                  "text": ox.Literal(hit.text, language=hit.lang) if hit.lang
                  else ox.Literal(hit.text),
                  "snippet": ox.Literal(marked(hit.snippet, hit.marks)),
                  "predicate": ox.NamedNode(hit.predicate), "graph": ox.NamedNode(hit.graph),
                  "kind": ox.Literal(hit.kind), "lang": ox.Literal(hit.lang)}
        row = [str(ox.NamedNode(hit.iri))]
        for name in clause.outputs:
            if name == "type":
                row.append(str(ox.NamedNode(hit.types[0])) if hit.types else "UNDEF")
            else:
                row.append(str(values[name]))
        rows.append(row)
    return names, rows


def marked(snippet: str, marks: list[tuple[int, int]]) -> str:
    """The snippet with its matches between « and » (SPARQL results carry no markup)."""
    out: list[str] = []
    last = 0
    for a, b in marks:
        out += [snippet[last:a], "«", snippet[a:b], "»"]
        last = b
    out.append(snippet[last:])
    return "".join(out)


def splice(sparql: str, found: list[Clause], index: SearchIndex) -> str:
    """``sparql`` with each clause of ``found`` replaced by its hits (a ``VALUES`` table)."""
    out: list[str] = []
    last = 0
    for clause in found:
        names, rows = _bindings(clause, index)
        head = " ".join(f"?{n}" for n in names)
        body = " ".join("(" + " ".join(r) + ")" for r in rows)
        out += [sparql[last:clause.start], f"{{ VALUES ({head}) {{ {body} }} }}"]
        last = clause.end
    out.append(sparql[last:])
    return "".join(out)


def rewrite(sparql: str, index: SearchIndex) -> str | None:
    """``sparql`` with our SERVICE clauses answered, or None when it has none (in this
    thread: the service reads the clauses in a worker first, ``web/search.py``)."""
    found, _ = read_clauses(sparql)
    return splice(sparql, found, index) if found else None

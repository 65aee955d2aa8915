"""``/explain``: why the dataset holds a statement; ``/explain/dependents``: what a sentence
holds up.

``GET /explain?s=&p=&o=`` answers the proof of :mod:`alliance_kg.knowledge.explain`, computed
from the live store (:mod:`alliance_kg.protocol.explain`): JSON by default, Turtle (PROV-O) for
``text/turtle``, a text tree for ``text/plain``, an HTML page with the quotes inline for browsers
(the resource pages' *inferred* badges link here). ``format=json|turtle|text|html`` wins over
``Accept``. Terms are IRIs, ``<iri>``, prefixed names of ours (``akr:japan``) or literals in
Turtle syntax (``"2.0"^^xsd:decimal``). ``derivations=N`` (1-64) sets how many derivations of
the statement are shown. 400 for a malformed term, 404 when the dataset does not hold it.

``GET /explain/dependents?sentence=IRI`` (or ``graph=IRI``) lists what would lose support if
that sentence (or any source graph) were retracted: JSON, text or HTML likewise.

Answers carry an ETag of the store generation: a write moves it, so a proof is never stale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, request
from rdflib import Literal, URIRef
from rdflib.term import Node

from ..errors import ErrorKind, KGError
from ..knowledge.explain import (
    RULES,
    Axioms,
    Limits,
    Proof,
    Source,
    Triple,
    parse_iri,
    parse_triple,
    triple_text,
)
from ..protocol.explain import axioms_of, dependents_in, explain_in
from . import conditional
from .context import AppState, state
from .pages import curie, explain_href, safe_href

bp = Blueprint("explain", __name__)

#: what each answer can be, in the order offered for */*
MEDIA = {"json": "application/json", "turtle": "text/turtle", "text": "text/plain",
         "html": "text/html"}
MAX_DERIVATIONS = 64


def _axioms(st: AppState) -> Axioms:
    found: Axioms = st.cached("explain:axioms", lambda: axioms_of(st.store))
    return found


def _choose(offered: tuple[str, ...]) -> str:
    asked = request.args.get("format", "").strip().lower()
    if asked:
        if asked in offered:
            return asked
        for key in offered:
            if MEDIA[key] == asked:
                return key
    else:
        if not request.accept_mimetypes:
            return offered[0]
        best = request.accept_mimetypes.best_match([MEDIA[k] for k in offered])
        if best is not None:
            return next(k for k in offered if MEDIA[k] == best)
    listed = ", ".join(f"{MEDIA[k]} (format={k})" for k in offered)
    raise KGError(ErrorKind.NOT_ACCEPTABLE, f"no acceptable format; available: {listed}")


def _param(name: str, *aliases: str) -> str:
    for key in (name, *aliases):
        values = request.args.getlist(key)
        if len(values) > 1:
            raise KGError(ErrorKind.BAD_INPUT, f"give the parameter {key} once")
        if values:
            return values[0]
    raise KGError(ErrorKind.BAD_INPUT, f"the parameter {name} is missing")


def _limits() -> Limits:
    raw = request.args.get("derivations")
    if raw is None:
        return Limits()
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_DERIVATIONS:
        raise KGError(ErrorKind.BAD_INPUT,
                      f"derivations must be a whole number from 1 to {MAX_DERIVATIONS}")
    return Limits(derivations=n)


def _answer(body: str | bytes, key: str, etag: str) -> Response:
    charset = "; charset=utf-8" if MEDIA[key].startswith("text/") else ""
    resp = Response(body, status=200, content_type=MEDIA[key] + charset)
    return conditional.finish(resp, etag)


@bp.route("/explain", methods=["GET"])
def explain_view() -> Response:
    st = state()
    triple = parse_triple(_param("s", "subject"), _param("p", "predicate"),
                          _param("o", "object"))
    limits = _limits()
    key = _choose(("json", "turtle", "text", "html"))
    etag = st.etag("explain", key, *(t.n3() for t in triple), str(limits.derivations))
    if conditional.matches(etag):
        return conditional.not_modified(etag)
    proof = explain_in(st.store, triple, limits, _axioms(st))
    if key == "json":
        resp = jsonify(proof.to_json())
        return conditional.finish(resp, etag)
    if key == "turtle":
        return _answer(proof.to_turtle(), key, etag)
    if key == "text":
        return _answer(proof.to_text(), key, etag)
    base = st.settings.public_base
    html = render_template("ld/explain.html", proof=ProofView.of(proof, base),
                           rules_url="https://www.w3.org/TR/owl2-profiles/"
                                     "#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules")
    return _answer(html, key, etag)


@bp.route("/explain/dependents", methods=["GET"])
def dependents_view() -> Response:
    st = state()
    graph = parse_iri(_param("sentence", "graph"), "sentence")
    key = _choose(("json", "text", "html"))
    etag = st.etag("dependents", key, graph)
    if conditional.matches(etag):
        return conditional.not_modified(etag)
    d = dependents_in(st.store, graph, _axioms(st))
    if key == "json":
        return conditional.finish(jsonify(d.to_json()), etag)
    if key == "text":
        return _answer(d.to_text(), key, etag)
    base = st.settings.public_base
    html = render_template(
        "ld/dependents.html", graph=_term(URIRef(graph), base),
        json_href="/explain/dependents?" + urlencode({"sentence": graph, "format": "json"}),
        asserted=[_row(t, base) for t in d.asserted],
        inferred=[_row(t, base) for t in d.inferred],
        kept=[_row(t, base) for t in d.kept],
        still=[_row(t, base) for t in d.still_derivable], truncated=d.truncated)
    return _answer(html, key, etag)


# -- the HTML view of a proof ---------------------------------------------------------------------


@dataclass
class TermLink:
    text: str
    href: str | None = None
    title: str | None = None


@dataclass
class StatementView:
    terms: list[TermLink]
    status: str
    explain_href: str
    sources: list[tuple[Source, TermLink]] = field(default_factory=list)
    steps: list[StepView] = field(default_factory=list)
    more: int = 0
    again: bool = False


@dataclass
class StepView:
    rule: str
    rule_text: str
    axioms: list[list[TermLink]]
    premises: list[StatementView]


@dataclass
class ProofView:
    root: StatementView
    text: str
    truncated: bool
    nodes: int

    @classmethod
    def of(cls, proof: Proof, base: str) -> ProofView:
        shown: set[Triple] = set()

        def view(t: Triple) -> StatementView:
            n = proof.nodes[t]
            v = StatementView([_term(x, base) for x in t], n.status, explain_href(t),
                              [(src, _term(URIRef(src.graph), base)) for src in n.sources])
            if t in shown and n.steps:
                v.again = True
                return v
            shown.add(t)
            for st in n.steps:
                v.steps.append(StepView(
                    st.rule, RULES[st.rule],
                    [[_term(x, base) for x in a] if a[1] != _CHAIN else
                     [_term(a[0], base), _term(a[1], base), TermLink("( … )")]
                     for a in st.axioms if a[1] not in _LIST],
                    [view(q) for q in st.premises]))
            v.more = max(0, n.found - len(n.steps))
            return v

        return cls(view(proof.root), triple_text(proof.root), proof.truncated,
                   len(proof.nodes))


_CHAIN = URIRef("http://www.w3.org/2002/07/owl#propertyChainAxiom")
_LIST = (URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#first"),
         URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"))


def _term(t: Node, base: str) -> TermLink:
    if isinstance(t, URIRef):
        return TermLink(curie(str(t)), safe_href(str(t), base), str(t))
    if isinstance(t, Literal):
        suffix = f"@{t.language}" if t.language else (
            f"^^{curie(str(t.datatype))}" if t.datatype is not None else "")
        return TermLink(f"\u201c{t}\u201d{suffix}")
    return TermLink(f"_:{t}")


def _row(t: Triple, base: str) -> StatementView:
    return StatementView([_term(x, base) for x in t], "", explain_href(t))

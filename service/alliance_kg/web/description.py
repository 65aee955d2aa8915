"""Self-description: the SPARQL 1.1 Service Description and the VoID description.

``GET /sparql`` without a query returns the service description (``sd:`` vocabulary): the
endpoint, supported languages, result and input formats, features and the default dataset with
its default graph (asserted + inferred) and every named graph with its triple count.
``GET /.well-known/void`` returns the VoID description of the dataset: triple counts, SPARQL
endpoint, data dump, vocabularies, URI space and one subset per named graph.
Both are rdflib graphs serialized in the format ``Accept`` asks for (Turtle by default), and are
computed once per store generation.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import rdflib
from flask import Blueprint, Response, request, url_for
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from .. import __version__
from ..formats import BY_KEY, Format, Kind, of_kind
from ..namespaces import (
    ASSERTED,
    DESCRIPTION,
    INFERRED,
    PREFIXES,
    SCHEMA,
    SD,
    VOID,
    bind_prefixes,
)
from . import conditional, negotiation
from .context import AppState, state

bp = Blueprint("description", __name__)

FORMATS_NS = "http://www.w3.org/ns/formats/"
#: our format keys -> W3C format IRIs (http://www.w3.org/ns/formats/)
FORMAT_IRIS: dict[str, str] = {
    "turtle": "Turtle", "ntriples": "N-Triples", "rdfxml": "RDF_XML", "jsonld": "JSON-LD",
    "n3": "N3", "trig": "TriG", "nquads": "N-Quads", "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV", "tsv": "SPARQL_Results_TSV",
}
DESCRIPTION_FORMATS: tuple[Format, ...] = tuple(of_kind(Kind.GRAPH))
NTRIPLES = BY_KEY["ntriples"]


def dataset_iri(st: AppState) -> URIRef:
    return URIRef(st.settings.public_base + "dataset")


def dataset_build(st: AppState) -> str | None:
    """The build identifier the build wrote (``schema:version`` of the dataset in
    ``akgraph:description``: the content hash of its sources), or None (no description graph,
    e.g. a remote store loaded by someone else). Read once per store generation."""
    def read() -> str | None:
        value = build_metadata(st, dataset_iri(st)).value(dataset_iri(st), SCHEMA.version)
        return None if value is None else str(value)

    build: str | None = st.cached("build", read)
    return build


def add_versions(g: rdflib.Graph, service: URIRef, dataset: URIRef, st: AppState) -> None:
    """Which software answers (the package version, ``schema:softwareVersion`` of the
    endpoint) and which build of the data (``schema:version`` of the dataset)."""
    g.add((service, SCHEMA.softwareVersion, Literal(__version__)))
    build = dataset_build(st)
    if build is not None:
        g.add((dataset, SCHEMA.version, Literal(build)))


def graph_counts(st: AppState) -> dict[str, int]:
    return {g: st.store.count(g) for g in st.store.graph_names()}


def _serve(graph_key: str, build: Callable[[], rdflib.Graph]) -> Response:
    st = state()
    fmt = negotiation.choose(request.accept_mimetypes, DESCRIPTION_FORMATS,
                             request.args.getlist("format"), what="a description")
    etag = st.etag(graph_key, fmt.key, request.host_url)
    if conditional.matches(etag):
        return conditional.not_modified(etag)
    graph: rdflib.Graph = st.cached(f"{graph_key}@{request.host_url}", build)
    body = graph.serialize(format=fmt.rdflib or "turtle", encoding="utf-8")
    resp = Response(body, status=200, content_type=negotiation.content_type(fmt))
    return conditional.finish(resp, etag)


# -- service description ---------------------------------------------------------------------


def service_description() -> Response:
    return _serve("sd", lambda: build_service_description(
        state(), url_for("sparql.endpoint", _external=True)))


def build_service_description(st: AppState, endpoint: str) -> rdflib.Graph:
    g = rdflib.Graph()
    bind_prefixes(g)
    g.bind("formats", FORMATS_NS)
    svc = URIRef(endpoint)
    g.add((svc, RDF.type, SD.Service))
    g.add((svc, SD.endpoint, svc))
    g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
    if st.settings.allow_update:
        g.add((svc, SD.supportedLanguage, SD.SPARQL11Update))
        for fmt in of_kind(Kind.GRAPH):
            g.add((svc, SD.inputFormat, URIRef(FORMATS_NS + FORMAT_IRIS[fmt.key])))
    for fmt in negotiation.RESULT_FORMATS + negotiation.GRAPH_FORMATS:
        g.add((svc, SD.resultFormat, URIRef(FORMATS_NS + FORMAT_IRIS[fmt.key])))
    if st.settings.service_allowlist:
        g.add((svc, SD.feature, SD.BasicFederatedQuery))
    g.add((svc, DCTERMS.title, Literal("Alliance KG SPARQL service")))

    counts = graph_counts(st)
    ds = dataset_iri(st)
    g.add((svc, SD.defaultDataset, ds))
    add_versions(g, svc, ds, st)
    g.add((ds, RDF.type, SD.Dataset))
    default = BNode()
    g.add((ds, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(
        counts.get(str(ASSERTED), 0) + counts.get(str(INFERRED), 0), datatype=XSD.integer)))
    g.add((default, DCTERMS.description, Literal(
        f"The union of <{ASSERTED}> and <{INFERRED}> (the OWL 2 RL closure); "
        "with infer=false only the asserted graph. For SPARQL Update and the Graph Store "
        "Protocol the default graph is the asserted graph.")))
    for name, n in sorted(counts.items()):
        ng, inner = BNode(), BNode()
        g.add((ds, SD.namedGraph, ng))
        g.add((ng, RDF.type, SD.NamedGraph))
        g.add((ng, SD.name, URIRef(name)))
        g.add((ng, SD.graph, inner))
        g.add((inner, RDF.type, SD.Graph))
        g.add((inner, VOID.triples, Literal(n, datatype=XSD.integer)))
    return g


# -- VoID -----------------------------------------------------------------------------------


@bp.route("/.well-known/void", methods=["GET"])
def void() -> Response:
    return _serve("void", lambda: build_void(
        state(), url_for("sparql.endpoint", _external=True),
        url_for("gsp.indirect", _external=True)))


def _select(st: AppState, sparql: str) -> list[dict[str, str]]:
    """Bindings of a SELECT over the whole store (values only), for statistics."""
    raw = st.store.query(sparql, default_graphs=None, named_graphs=None).serialize(
        BY_KEY["json"])
    rows = json.loads(raw)["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def vocabularies(st: AppState) -> list[str]:
    """Namespaces (from our prefix table) of the properties and classes the data uses."""
    used: set[str] = set()
    for row in _select(st, "SELECT DISTINCT ?t WHERE { GRAPH ?g { "
                           "{ ?s ?t ?o } UNION { ?s a ?t } } }"):
        used.add(row["t"])
    namespaces = sorted(set(PREFIXES.values()), key=len, reverse=True)
    found = {next((ns for ns in namespaces if t.startswith(ns)), None) for t in used}
    return sorted(ns for ns in found if ns is not None)


def build_metadata(st: AppState, ds: URIRef) -> rdflib.Graph:
    """What the build wrote about the dataset (title, description, source files), without its
    counts: those were true at build time, the live ones are computed here."""
    g = rdflib.Graph()
    if str(DESCRIPTION) not in st.store.graph_names():
        return g
    built = rdflib.Graph().parse(data=st.store.get_graph(str(DESCRIPTION), NTRIPLES),
                                 format="nt")
    for _, p, o in built.triples((URIRef(st.settings.public_base + "dataset"), None, None)):
        if p not in (VOID.triples, VOID.subset):
            g.add((ds, p, o))
    return g


def build_void(st: AppState, endpoint: str, graph_store: str) -> rdflib.Graph:
    g = rdflib.Graph()
    bind_prefixes(g)
    ds = dataset_iri(st)
    counts = graph_counts(st)
    g.add((ds, RDF.type, VOID.Dataset))
    g += build_metadata(st, ds)
    if (ds, DCTERMS.title, None) not in g:
        g.add((ds, DCTERMS.title, Literal("Alliance KG", lang="en")))
    g.add((ds, VOID.sparqlEndpoint, URIRef(endpoint)))
    add_versions(g, URIRef(endpoint), ds, st)
    g.add((ds, VOID.dataDump, URIRef(graph_store)))
    g.add((ds, VOID.uriSpace, Literal(st.settings.public_base + "resource/")))
    g.add((ds, VOID.triples, Literal(sum(counts.values()), datatype=XSD.integer)))
    for ns in vocabularies(st):
        g.add((ds, VOID.vocabulary, URIRef(ns)))
    stats = _select(st, "SELECT (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?p) AS ?props)"
                        " (COUNT(DISTINCT ?o) AS ?objects) WHERE { GRAPH ?g { ?s ?p ?o } }")
    classes = _select(st, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH ?g { ?s a ?c } }")
    if stats:
        row = stats[0]
        g.add((ds, VOID.distinctSubjects, Literal(int(row["subjects"]), datatype=XSD.integer)))
        g.add((ds, VOID.properties, Literal(int(row["props"]), datatype=XSD.integer)))
        g.add((ds, VOID.distinctObjects, Literal(int(row["objects"]), datatype=XSD.integer)))
    if classes:
        g.add((ds, VOID.classes, Literal(int(classes[0]["n"]), datatype=XSD.integer)))
    for fmt in (negotiation.DATASET_FORMATS):
        g.add((ds, VOID.feature, URIRef(FORMATS_NS + FORMAT_IRIS[fmt.key])))
    for name, n in sorted(counts.items()):
        sub = URIRef(name)
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, SD.name, sub))
        g.add((sub, VOID.triples, Literal(n, datatype=XSD.integer)))
        g.add((sub, VOID.sparqlEndpoint, URIRef(endpoint)))
    return g

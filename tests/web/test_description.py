"""Service Description (GET /sparql without a query) and VoID (/.well-known/void)."""

from __future__ import annotations

import pytest
import rdflib
import requests
from rdflib.namespace import RDF

from .conftest import ASSERTED, INFERRED, ONTOLOGY, Server

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
FORMATS = rdflib.Namespace("http://www.w3.org/ns/formats/")


def fetch(url: str, accept: str, fmt: str) -> rdflib.Graph:
    r = requests.get(url, headers={"Accept": accept}, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == accept
    return rdflib.Graph().parse(data=r.content, format=fmt)


@pytest.mark.parametrize(("accept", "fmt"), [
    ("text/turtle", "turtle"), ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld"),
])
def test_service_description_formats(ro_server: Server, accept: str, fmt: str) -> None:
    g = fetch(ro_server.sparql, accept, fmt)
    (svc,) = g.subjects(RDF.type, SD.Service)
    assert (svc, SD.endpoint, None) in g


def test_service_description_content(ro_server: Server, rw_server: Server) -> None:
    g = fetch(ro_server.sparql, "text/turtle", "turtle")
    (svc,) = g.subjects(RDF.type, SD.Service)
    assert str(g.value(svc, SD.endpoint)).endswith("/sparql")
    assert set(g.objects(svc, SD.supportedLanguage)) == {SD.SPARQL11Query}
    formats = set(g.objects(svc, SD.resultFormat))
    assert {FORMATS.SPARQL_Results_JSON, FORMATS.SPARQL_Results_XML, FORMATS.SPARQL_Results_CSV,
            FORMATS.SPARQL_Results_TSV, FORMATS.Turtle, FORMATS["RDF_XML"],
            FORMATS["JSON-LD"]} <= formats
    dataset = g.value(svc, SD.defaultDataset)
    default = g.value(dataset, SD.defaultGraph)
    assert int(g.value(default, VOID.triples)) > 0
    names = {g.value(ng, SD.name) for ng in g.objects(dataset, SD.namedGraph)}
    assert {rdflib.URIRef(x) for x in (ASSERTED, INFERRED, ONTOLOGY)} <= names
    health = requests.get(ro_server.url + "/healthz", timeout=10).json()
    assert len(names) == health["graphs"]
    # a writable server also announces SPARQL Update and what it can read
    g = fetch(rw_server.sparql, "text/turtle", "turtle")
    (svc,) = g.subjects(RDF.type, SD.Service)
    assert SD.SPARQL11Update in set(g.objects(svc, SD.supportedLanguage))
    assert FORMATS.Turtle in set(g.objects(svc, SD.inputFormat))


def test_void(ro_server: Server) -> None:
    g = fetch(ro_server.url + "/.well-known/void", "text/turtle", "turtle")
    (ds,) = (s for s in g.subjects(RDF.type, VOID.Dataset) if (s, VOID.subset, None) in g)
    assert str(g.value(ds, VOID.sparqlEndpoint)).endswith("/sparql")
    assert str(g.value(ds, VOID.uriSpace)) == "https://w3id.org/alliance-kg/resource/"
    vocabularies = {str(v) for v in g.objects(ds, VOID.vocabulary)}
    assert "https://w3id.org/alliance-kg/ontology/" in vocabularies
    subsets = {s: int(g.value(s, VOID.triples)) for s in g.objects(ds, VOID.subset)}
    assert rdflib.URIRef(ASSERTED) in subsets
    assert int(g.value(ds, VOID.triples)) == sum(subsets.values())
    health = requests.get(ro_server.url + "/healthz", timeout=10).json()
    assert sum(subsets.values()) == health["triples"]
    assert int(g.value(ds, VOID.classes)) > 0
    assert str(g.value(ds, VOID.dataDump)).endswith("/rdf-graph-store")
    assert g.value(ds, rdflib.DCTERMS.title) is not None
    # the build's metadata is kept, its counts are not
    assert len(list(g.objects(ds, VOID.triples))) == 1
    g = fetch(ro_server.url + "/.well-known/void", "application/ld+json", "json-ld")
    assert (None, VOID.sparqlEndpoint, None) in g


def test_version_and_build(ro_server: Server) -> None:
    """Which software answers and which build of the data it serves: the package version
    (``schema:softwareVersion`` of the endpoint) and the sources' content hash the build wrote
    (``schema:version`` of the dataset), the same in the service description, VoID and
    /healthz."""
    from alliance_kg import __version__

    schema = rdflib.Namespace("https://schema.org/")
    health = requests.get(ro_server.url + "/healthz", timeout=10).json()
    assert health["version"] == __version__
    assert health["build"].startswith("sha256:") and len(health["build"]) == 7 + 64
    for url in (ro_server.sparql, ro_server.url + "/.well-known/void"):
        g = fetch(url, "text/turtle", "turtle")
        assert {str(v) for v in g.objects(None, schema.softwareVersion)} == {__version__}, url
        assert {str(v) for v in g.objects(None, schema.version)} == {health["build"]}, url

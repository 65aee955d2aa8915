"""SPARQLWrapper as a real client: every result format it knows, and UPDATE with the token."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import rdflib
from SPARQLWrapper import (
    ASK,
    CSV,
    JSON,
    JSONLD,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from .conftest import Server, ask, restore_fixture

SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 3"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 3"


def client(server: Server, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    sw = SPARQLWrapper(server.sparql)
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    sw.setMethod(method)
    return sw


@pytest.mark.parametrize("method", ["GET", POST])
def test_select_json(ro_server: Server, method: str) -> None:
    result: Any = client(ro_server, SELECT, JSON, method).queryAndConvert()
    assert result["head"]["vars"] == ["s", "p", "o"]
    assert len(result["results"]["bindings"]) == 3


def test_select_xml(ro_server: Server) -> None:
    doc: Any = client(ro_server, SELECT, XML).queryAndConvert()
    assert len(doc.getElementsByTagName("result")) == 3


def test_select_csv_and_tsv(ro_server: Server) -> None:
    raw: Any = client(ro_server, SELECT, CSV).queryAndConvert()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert rows[0] == ["s", "p", "o"] and len(rows) == 4
    raw = client(ro_server, SELECT, TSV).queryAndConvert()
    assert raw.decode("utf-8").splitlines()[0] == "?s\t?p\t?o"


def test_ask(ro_server: Server) -> None:
    sw = client(ro_server, "ASK { ?s ?p ?o }", JSON)
    assert sw.queryType == ASK
    result: Any = sw.queryAndConvert()
    assert result["boolean"] is True
    result = client(ro_server, "ASK { <urn:x:none> ?p ?o }", XML).queryAndConvert()
    assert result.getElementsByTagName("boolean")[0].firstChild.data == "false"


@pytest.mark.parametrize(("fmt", "media_type"), [
    (TURTLE, "text/turtle"), (RDFXML, "application/rdf+xml"), (XML, "application/rdf+xml"),
    (JSONLD, "application/ld+json"),
])
def test_construct(ro_server: Server, fmt: str, media_type: str) -> None:
    response = client(ro_server, CONSTRUCT, fmt).query()
    assert response.info()["content-type"].split(";")[0] == media_type
    graph = response.convert()
    if not isinstance(graph, rdflib.Graph):  # Turtle and JSON-LD arrive as bytes
        graph = rdflib.Graph().parse(data=graph, format={
            TURTLE: "turtle", JSONLD: "json-ld"}.get(fmt, "xml"))
    assert len(graph) == 3


def test_syntax_error_raises_query_bad_formed(ro_server: Server) -> None:
    with pytest.raises(QueryBadFormed):
        client(ro_server, "SELECT * WHERE {", JSON).query()


@pytest.mark.parametrize("request_method", ["urlencoded", POSTDIRECTLY])
def test_update_with_bearer_token(rw_server: Server, request_method: str) -> None:
    restore_fixture(rw_server)
    sw = SPARQLWrapper(rw_server.sparql, updateEndpoint=rw_server.sparql)
    sw.setMethod(POST)
    sw.setRequestMethod(request_method)
    sw.customHttpHeaders = rw_server.auth()
    iri = f"https://w3id.org/alliance-kg/resource/Client{request_method.title()}"
    sw.setQuery(f"PREFIX akg: <https://w3id.org/alliance-kg/ontology/>\n"
                f'INSERT DATA {{ <{iri}> a akg:State ; '
                f'<http://www.w3.org/2000/01/rdf-schema#label> "client"@en }}')
    response = sw.query()
    assert response.response.status == 204
    assert ask(rw_server, f"ASK {{ <{iri}> a <https://w3id.org/alliance-kg/ontology/Actor> }}")

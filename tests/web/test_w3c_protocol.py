"""The W3C SPARQL 1.1 Protocol test cases, one test each, named after the case.

Re-expressed from the SPARQL 1.1 Protocol test suite (``protocol/manifest.ttl``,
"query_*", "update_*" and "bad_*" cases) against the real server. The suite's data graphs
``data0.rdf`` … ``data3.rdf`` are put into the store with the Graph Store Protocol before each
test that reads them. Positive cases expect 2xx (and the stated answer), negative cases 4xx;
where the service makes a specific choice the test pins the status (see docs/HTTP.md).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
import rdflib
import requests

from .conftest import Server, ask

DATA = "http://kasei.us/2009/09/sparql/data/"
FOAF = "http://xmlns.com/foaf/0.1/"
DC = "http://purl.org/dc/terms/"
SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
FORM = "application/x-www-form-urlencoded"


def data_graph(n: int) -> str:
    return f"{DATA}data{n}.rdf"


def put_data(server: Server) -> None:
    """data0..data3: each graph describes itself as a foaf:Document with a title."""
    for n in range(4):
        body = (f"<{data_graph(n)}> a <{FOAF}Document> ; <{DC}title> \"data {n}\" ;"
                f" <http://example.org/in> \"only-in-{n}\" .\n")
        r = requests.put(server.store, params={"graph": data_graph(n)}, data=body,
                         headers={"Content-Type": "text/turtle", **server.auth()}, timeout=30)
        assert r.status_code in (201, 204), r.text


@pytest.fixture
def w3c(rw_server: Server) -> Iterator[Server]:
    put_data(rw_server)
    yield rw_server


def post_query(server: Server, query: str, params: dict[str, object] | None = None,
               accept: str = SPARQL_JSON) -> requests.Response:
    return requests.post(server.sparql, params=params, data=query.encode("utf-8"),
                         headers={"Content-Type": QUERY, "Accept": accept}, timeout=10)


def boolean(r: requests.Response) -> bool:
    assert r.status_code == 200, r.text
    value: bool = r.json()["boolean"]
    return value


def post_update(server: Server, update: str, params: dict[str, object] | None = None,
                ) -> requests.Response:
    return requests.post(server.sparql, params=params, data=update.encode("utf-8"),
                         headers={"Content-Type": UPDATE, **server.auth()}, timeout=30)


# -- positive query cases ------------------------------------------------------------------


def test_query_get(w3c: Server) -> None:
    r = requests.get(w3c.sparql, params={"query": "ASK {}"}, timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith(SPARQL_JSON)
    assert r.json()["boolean"] is True


def test_query_post_form(w3c: Server) -> None:
    r = requests.post(w3c.sparql, data={"query": "ASK {}"}, timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith(SPARQL_JSON)
    assert r.json()["boolean"] is True


def test_query_post_direct(w3c: Server) -> None:
    assert boolean(post_query(w3c, "ASK {}")) is True


def test_query_dataset_default_graph(w3c: Server) -> None:
    q = f"ASK {{ <{data_graph(1)}> ?p ?o }}"
    assert boolean(post_query(w3c, q, {"default-graph-uri": data_graph(1)})) is True
    # without the parameter the service's default graph (asserted + inferred) does not hold it
    assert boolean(post_query(w3c, q)) is False


def _default_graphs(w3c: Server, method: str) -> None:
    q = f"ASK {{ <{data_graph(1)}> ?p ?o . <{data_graph(2)}> ?p ?o }}"
    params = {"default-graph-uri": [data_graph(1), data_graph(2)]}
    if method == "get":
        r = requests.get(w3c.sparql, params={"query": q, **params}, timeout=10)
    else:
        r = post_query(w3c, q, params)
    assert boolean(r) is True
    only_one = {"default-graph-uri": data_graph(1)}
    assert boolean(post_query(w3c, q, only_one)) is False


def _named_graphs(w3c: Server, method: str) -> None:
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    params = {"named-graph-uri": [data_graph(1), data_graph(2)]}
    if method == "get":
        r = requests.get(w3c.sparql, params={"query": q, **params}, timeout=10)
    else:
        r = post_query(w3c, q, params)
    assert r.status_code == 200, r.text
    graphs = [b["g"]["value"] for b in r.json()["results"]["bindings"]]
    assert graphs == [data_graph(1), data_graph(2)]
    # only named graphs given: the default graph is empty
    r = post_query(w3c, "ASK { ?s ?p ?o }", params)
    assert boolean(r) is False


def test_query_dataset_default_graphs_get(w3c: Server) -> None:
    _default_graphs(w3c, "get")


def test_query_dataset_default_graphs_post(w3c: Server) -> None:
    _default_graphs(w3c, "post")


def test_query_dataset_named_graphs_get(w3c: Server) -> None:
    _named_graphs(w3c, "get")


def test_query_dataset_named_graphs_post(w3c: Server) -> None:
    _named_graphs(w3c, "post")


def test_query_dataset_full(w3c: Server) -> None:
    q = "SELECT ?g ?x ?s { ?x ?y ?o GRAPH ?g { ?s ?p ?o } }"
    params = {"default-graph-uri": data_graph(3),
              "named-graph-uri": [data_graph(1), data_graph(2)]}
    r = post_query(w3c, q, params)
    assert r.status_code == 200, r.text
    rows = {(b["g"]["value"], b["x"]["value"], b["s"]["value"])
            for b in r.json()["results"]["bindings"]}
    # the only object data3 (default graph) shares with data1/data2 (named) is foaf:Document
    assert rows == {(data_graph(1), data_graph(3), data_graph(1)),
                    (data_graph(2), data_graph(3), data_graph(2))}


def test_query_multiple_dataset(w3c: Server) -> None:
    # the protocol's dataset (data2) overrides the query's FROM (data1)
    q = f'ASK FROM <{data_graph(1)}> {{ ?s <http://example.org/in> "only-in-2" }}'
    assert boolean(post_query(w3c, q, {"default-graph-uri": data_graph(2)})) is True
    assert boolean(post_query(w3c, q)) is False
    q1 = f'ASK FROM <{data_graph(1)}> {{ ?s <http://example.org/in> "only-in-1" }}'
    assert boolean(post_query(w3c, q1)) is True


def test_query_content_type_select(w3c: Server) -> None:
    r = post_query(w3c, "SELECT (1 AS ?value) {}", accept="*/*")
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] in {
        SPARQL_JSON, SPARQL_XML, "text/csv", "text/tab-separated-values"}
    assert r.json()["results"]["bindings"][0]["value"]["value"] == "1"


def test_query_content_type_ask(w3c: Server) -> None:
    r = post_query(w3c, "ASK {}", accept=SPARQL_XML)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == SPARQL_XML
    root = ET.fromstring(r.content)
    ns = "{http://www.w3.org/2005/sparql-results#}"
    assert root.find(f"{ns}boolean") is not None
    assert root.find(f"{ns}boolean").text == "true"  # type: ignore[union-attr]


def test_query_content_type_describe(w3c: Server) -> None:
    r = post_query(w3c, "DESCRIBE <http://example.org/>", accept="*/*")
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] in {
        "application/rdf+xml", "text/turtle", "application/n-triples"}
    r = post_query(w3c, f"DESCRIBE <{data_graph(1)}>",
                   {"default-graph-uri": data_graph(1)}, accept="application/rdf+xml")
    assert r.headers["Content-Type"].split(";")[0] == "application/rdf+xml"
    g = rdflib.Graph().parse(data=r.content, format="xml")
    assert (rdflib.URIRef(data_graph(1)), rdflib.RDF.type, rdflib.URIRef(FOAF + "Document")) in g


def test_query_content_type_construct(w3c: Server) -> None:
    r = post_query(w3c, "CONSTRUCT { <http://example.org/s> <http://example.org/p> 1 } WHERE {}",
                   accept="text/turtle")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/turtle; charset=utf-8"
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    assert len(g) == 1


# -- negative query cases ------------------------------------------------------------------


def test_bad_query_method(w3c: Server) -> None:
    r = requests.put(w3c.sparql, params={"query": "ASK {}"}, timeout=10)
    assert r.status_code == 405
    assert set(r.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_bad_multiple_queries(w3c: Server) -> None:
    r = requests.get(w3c.sparql, params={"query": ["ASK {}", "SELECT * {}"]}, timeout=10)
    assert r.status_code == 400


def test_bad_query_wrong_media_type(w3c: Server) -> None:
    r = requests.post(w3c.sparql, data=b"ASK {}", headers={"Content-Type": "text/plain"},
                      timeout=10)
    assert r.status_code == 415


def test_bad_query_missing_form_type(w3c: Server) -> None:
    r = requests.post(w3c.sparql, data=b"query=ASK%20%7B%7D", timeout=10)
    assert "Content-Type" not in r.request.headers
    assert r.status_code == 415


def test_bad_query_missing_direct_type(w3c: Server) -> None:
    r = requests.post(w3c.sparql, data=b"ASK {}", timeout=10)
    assert r.status_code == 415


def test_bad_query_non_utf8(w3c: Server) -> None:
    r = requests.post(w3c.sparql, data="ASK {}".encode("utf-16"),
                      headers={"Content-Type": f"{QUERY}; charset=UTF-16"}, timeout=10)
    assert r.status_code == 415
    # UTF-16 bytes declared (by default) as UTF-8 are malformed: 400
    r = requests.post(w3c.sparql, data="ASK {}".encode("utf-16"),
                      headers={"Content-Type": QUERY}, timeout=10)
    assert r.status_code == 400


def test_bad_query_syntax(w3c: Server) -> None:
    r = requests.get(w3c.sparql, params={"query": "ASK {"},
                     headers={"Accept": "application/json"}, timeout=10)
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "bad-input"
    assert body["line"] == 1 and body["column"] >= 5


# -- negative update cases -----------------------------------------------------------------


def test_bad_update_get(w3c: Server) -> None:
    r = requests.get(w3c.sparql, params={"update": "CLEAR ALL"}, headers=w3c.auth(),
                     timeout=10)
    assert r.status_code == 400
    assert ask(w3c, f"ASK {{ GRAPH <{data_graph(1)}> {{ ?s ?p ?o }} }}")


def test_bad_multiple_updates(w3c: Server) -> None:
    r = requests.post(w3c.sparql, data={"update": ["CLEAR NAMED", "CLEAR DEFAULT"]},
                      headers=w3c.auth(), timeout=10)
    assert r.status_code == 400
    assert ask(w3c, f"ASK {{ GRAPH <{data_graph(1)}> {{ ?s ?p ?o }} }}")


def test_bad_update_wrong_media_type(w3c: Server) -> None:
    r = requests.post(w3c.sparql, data=b"CLEAR NAMED",
                      headers={"Content-Type": "text/plain", **w3c.auth()}, timeout=10)
    assert r.status_code == 415


def test_bad_update_missing_form_type(w3c: Server) -> None:
    r = requests.post(w3c.sparql, data=b"update=CLEAR%20NAMED", headers=w3c.auth(), timeout=10)
    assert r.status_code == 415
    assert ask(w3c, f"ASK {{ GRAPH <{data_graph(1)}> {{ ?s ?p ?o }} }}")


def test_bad_update_missing_direct_type(w3c: Server) -> None:
    r = requests.post(w3c.sparql, data=b"CLEAR NAMED", headers=w3c.auth(), timeout=10)
    assert r.status_code == 415


def test_bad_update_non_utf8(w3c: Server) -> None:
    r = requests.post(w3c.sparql, data="CLEAR NAMED".encode("utf-16"),
                      headers={"Content-Type": f"{UPDATE}; charset=UTF-16", **w3c.auth()},
                      timeout=10)
    assert r.status_code == 415
    assert ask(w3c, f"ASK {{ GRAPH <{data_graph(1)}> {{ ?s ?p ?o }} }}")


def test_bad_update_syntax(w3c: Server) -> None:
    r = requests.post(w3c.sparql, data={"update": "CLEAR XYZ"},
                      headers={"Accept": "application/json", **w3c.auth()}, timeout=10)
    assert r.status_code == 400
    assert r.json()["line"] == 1


def test_bad_update_dataset_conflict(w3c: Server) -> None:
    update = (f"PREFIX foaf: <{FOAF}>\n"
              "WITH <http://example/addresses>\n"
              "DELETE { ?person foaf:givenName 'Bill' }\n"
              "INSERT { ?person foaf:givenName 'William' }\n"
              "WHERE { ?person foaf:givenName 'Bill' }")
    r = requests.post(w3c.sparql, data={"using-named-graph-uri": "http://example/people",
                                        "update": update}, headers=w3c.auth(), timeout=10)
    assert r.status_code == 400
    assert "USING" in r.text


# -- positive update cases -----------------------------------------------------------------

UPDATE_PROLOGUE = f"PREFIX dc: <{DC}>\nPREFIX foaf: <{FOAF}>\n"


def test_update_dataset_default_graph(w3c: Server) -> None:
    test_graph = "http://example.org/protocol-update-dataset-test/"
    update = UPDATE_PROLOGUE + (
        f"CLEAR ALL ;\n"
        f"INSERT DATA {{ GRAPH <{data_graph(1)}> {{ <{data_graph(1)}> a foaf:Document }} }} ;\n"
        f"INSERT {{ GRAPH <{test_graph}> {{ ?s a dc:BibliographicResource }} }}\n"
        f"WHERE {{ ?s a foaf:Document }}")
    r = post_update(w3c, update, {"using-graph-uri": data_graph(1)})
    assert r.status_code == 204, r.text
    assert ask(w3c, f"ASK {{ GRAPH <{test_graph}> {{ <{data_graph(1)}> a "
                    f"<{DC}BibliographicResource> }} }}")


def test_update_dataset_default_graphs(w3c: Server) -> None:
    test_graph = "http://example.org/protocol-update-dataset-graphs-test/"
    update = UPDATE_PROLOGUE + (
        "CLEAR ALL ;\n"
        f"INSERT DATA {{ GRAPH <{data_graph(1)}> {{ <{data_graph(1)}> a foaf:Document }} }} ;\n"
        f"INSERT DATA {{ GRAPH <{data_graph(2)}> {{ <{data_graph(2)}> a foaf:Document }} }} ;\n"
        f"INSERT {{ GRAPH <{test_graph}> {{ ?s a dc:BibliographicResource }} }}\n"
        "WHERE { ?s a foaf:Document }")
    r = post_update(w3c, update, {"using-graph-uri": [data_graph(1), data_graph(2)]})
    assert r.status_code == 204, r.text
    assert ask(w3c, f"ASK {{ GRAPH <{test_graph}> {{ "
                    f"<{data_graph(1)}> a <{DC}BibliographicResource> . "
                    f"<{data_graph(2)}> a <{DC}BibliographicResource> }} }}")


def _three_documents() -> str:
    return "".join(
        f"INSERT DATA {{ GRAPH <{data_graph(n)}> {{ <{data_graph(n)}> a foaf:Document }} }} ;\n"
        for n in (1, 2, 3))


def _marked(server: Server, graph: str) -> set[str]:
    """Subjects typed dc:BibliographicResource in ``graph``."""
    q = f"SELECT ?s {{ GRAPH <{graph}> {{ ?s a <{DC}BibliographicResource> }} }}"
    r = post_query(server, q)
    return {b["s"]["value"] for b in r.json()["results"]["bindings"]}


def test_update_dataset_named_graphs(w3c: Server) -> None:
    test_graph = "http://example.org/protocol-update-dataset-named-graphs-test/"
    update = UPDATE_PROLOGUE + "CLEAR ALL ;\n" + _three_documents() + (
        f"INSERT {{ GRAPH <{test_graph}> {{ ?s a dc:BibliographicResource }} }}\n"
        "WHERE { GRAPH ?g { ?s a foaf:Document } }")
    r = post_update(w3c, update, {"using-named-graph-uri": [data_graph(1), data_graph(2)]})
    assert r.status_code == 204, r.text
    assert _marked(w3c, test_graph) == {data_graph(1), data_graph(2)}


def test_update_dataset_full(w3c: Server) -> None:
    test_graph = "http://example.org/protocol-update-dataset-full-test/"
    update = UPDATE_PROLOGUE + "CLEAR ALL ;\n" + _three_documents() + (
        f"INSERT {{ GRAPH <{test_graph}> {{ ?s a dc:BibliographicResource }} }}\n"
        "WHERE { { ?s a foaf:Document } UNION { GRAPH ?g { ?s a foaf:Document } } }")
    r = post_update(w3c, update, {"using-graph-uri": data_graph(1),
                                  "using-named-graph-uri": data_graph(2)})
    assert r.status_code == 204, r.text
    assert _marked(w3c, test_graph) == {data_graph(1), data_graph(2)}


def test_update_post_form(w3c: Server) -> None:
    r = requests.post(w3c.sparql, data={"update": "CLEAR ALL"}, headers=w3c.auth(), timeout=30)
    assert r.status_code == 204, r.text
    assert not ask(w3c, "ASK { GRAPH ?g { ?s ?p ?o } }")


def test_update_post_direct(w3c: Server) -> None:
    r = post_update(w3c, "CLEAR ALL")
    assert r.status_code == 204, r.text
    assert not ask(w3c, "ASK { GRAPH ?g { ?s ?p ?o } }")


def test_update_base_uri(w3c: Server) -> None:
    g = "http://example.org/protocol-base-test/"
    r = post_update(w3c, f"CLEAR GRAPH <{g}> ; INSERT DATA {{ GRAPH <{g}> {{ "
                         "<http://example.org/s> <http://example.org/p> <test> } }")
    assert r.status_code == 204, r.text
    r = post_query(w3c, f"SELECT ?o WHERE {{ GRAPH <{g}> {{ <http://example.org/s> "
                        "<http://example.org/p> ?o } }")
    (row,) = r.json()["results"]["bindings"]
    assert row["o"]["type"] == "uri"
    # the service's base IRI is its public base (documented): relative IRIs become ours
    assert row["o"]["value"] == "https://w3id.org/alliance-kg/test"

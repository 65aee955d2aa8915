"""SPARQL queries against the read-only server: formats, negotiation, dataset, limits, errors.

The read-only server serves the built dataset when it exists (else the fixture), so these
tests compare counts between ways of asking rather than relying on particular facts.
"""

from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET

import pytest
import rdflib
import requests

from .conftest import ASSERTED, INFERRED, ONTOLOGY, Server, select

COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SOME = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 5"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 5"


def count(server: Server, query: str = COUNT_ALL, **params: object) -> int:
    return int(select(server, query, **params)[0]["n"])


def get(server: Server, query: str, accept: str | None = None, **params: object
        ) -> requests.Response:
    headers = {"Accept": accept} if accept is not None else {}
    return requests.get(server.sparql, params={"query": query, **params}, headers=headers,
                        timeout=10)


# -- result formats ------------------------------------------------------------------------


def test_select_json_is_the_default(ro_server: Server) -> None:
    for accept in (None, "*/*", "text/html,application/xhtml+xml,*/*;q=0.8"):
        r = get(ro_server, SOME, accept)
        assert r.status_code == 200, (accept, r.text)
        assert r.headers["Content-Type"] == "application/sparql-results+json"
        assert len(r.json()["results"]["bindings"]) == 5


def test_select_xml_csv_tsv(ro_server: Server) -> None:
    r = get(ro_server, SOME, "application/sparql-results+xml")
    assert r.headers["Content-Type"] == "application/sparql-results+xml"
    ns = "{http://www.w3.org/2005/sparql-results#}"
    assert len(ET.fromstring(r.content).findall(f"{ns}results/{ns}result")) == 5
    r = get(ro_server, SOME, "text/csv")
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["s", "p", "o"] and len(rows) == 6
    r = get(ro_server, SOME, "text/tab-separated-values")
    assert r.headers["Content-Type"] == "text/tab-separated-values; charset=utf-8"
    assert r.text.splitlines()[0] == "?s\t?p\t?o"


def test_ask_json_and_xml(ro_server: Server) -> None:
    assert get(ro_server, "ASK { ?s ?p ?o }").json() == {"head": {}, "boolean": True}
    r = get(ro_server, "ASK { <urn:nothing> ?p ?o }", "application/sparql-results+xml")
    assert b"<boolean>false</boolean>" in r.content


@pytest.mark.parametrize(("accept", "media_type", "rdflib_format"), [
    (None, "text/turtle", "turtle"),
    ("text/turtle", "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/trig", "application/trig", "trig"),
    ("application/n-quads", "application/n-quads", "nquads"),
])
def test_construct_formats(ro_server: Server, accept: str | None, media_type: str,
                           rdflib_format: str) -> None:
    r = get(ro_server, CONSTRUCT, accept)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == media_type
    if rdflib_format in ("trig", "nquads"):
        ds = rdflib.Dataset()
        ds.parse(data=r.content, format=rdflib_format)
        assert len(list(ds.quads())) == 5
    else:
        assert len(rdflib.Graph().parse(data=r.content, format=rdflib_format)) == 5


def test_accept_q_values(ro_server: Server) -> None:
    r = get(ro_server, SOME, "application/sparql-results+json;q=0.5, text/csv;q=0.9")
    assert r.headers["Content-Type"].startswith("text/csv")
    r = get(ro_server, SOME, "text/csv;q=0.1, application/sparql-results+xml")
    assert r.headers["Content-Type"] == "application/sparql-results+xml"
    r = get(ro_server, CONSTRUCT, "application/rdf+xml;q=0.2, application/n-triples;q=0.8")
    assert r.headers["Content-Type"] == "application/n-triples"
    r = get(ro_server, SOME, "application/sparql-results+json;q=0, */*")
    assert r.headers["Content-Type"] == "application/sparql-results+xml"


def test_format_parameter_overrides_accept(ro_server: Server) -> None:
    r = get(ro_server, SOME, "application/sparql-results+json", format="csv")
    assert r.headers["Content-Type"].startswith("text/csv")
    r = get(ro_server, SOME, "text/csv", format="application/sparql-results+xml")
    assert r.headers["Content-Type"] == "application/sparql-results+xml"
    r = get(ro_server, CONSTRUCT, "text/turtle", format="jsonld")
    assert r.headers["Content-Type"] == "application/ld+json"
    # SPARQLWrapper's spelling: format=xml means RDF/XML for a CONSTRUCT
    r = get(ro_server, CONSTRUCT, None, format="xml")
    assert r.headers["Content-Type"] == "application/rdf+xml"


def test_406_lists_what_is_available(ro_server: Server) -> None:
    r = get(ro_server, SOME, "image/png")
    assert r.status_code == 406
    for media_type in ("application/sparql-results+json", "application/sparql-results+xml",
                       "text/csv", "text/tab-separated-values"):
        assert media_type in r.text
    r = get(ro_server, CONSTRUCT, "application/sparql-results+json")
    assert r.status_code == 406
    assert "text/turtle" in r.text and "application/ld+json" in r.text
    r = get(ro_server, SOME, None, format="turtle")
    assert r.status_code == 406


def test_post_form_and_direct_with_charset(ro_server: Server) -> None:
    q = 'SELECT ?x WHERE { BIND("Ōsaka \u2013 日本" AS ?x) }'
    r = requests.post(ro_server.sparql, data={"query": q}, timeout=10)
    assert r.json()["results"]["bindings"][0]["x"]["value"] == "Ōsaka \u2013 日本"
    r = requests.post(ro_server.sparql, data=q.encode("utf-8"),
                      headers={"Content-Type": "application/sparql-query; charset=UTF-8"},
                      timeout=10)
    assert r.json()["results"]["bindings"][0]["x"]["value"] == "Ōsaka \u2013 日本"


def test_unknown_parameters_are_ignored(ro_server: Server) -> None:
    r = get(ro_server, "ASK {}", None, timeout_hint="5", utm_source="x")
    assert r.status_code == 200


# -- the dataset ---------------------------------------------------------------------------


def test_default_graph_is_asserted_plus_inferred(ro_server: Server) -> None:
    asserted = count(ro_server,
                     f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{ASSERTED}> {{ ?s ?p ?o }} }}")
    union = count(ro_server, "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { GRAPH ?g "
                             f"{{ ?s ?p ?o }} VALUES ?g {{ <{ASSERTED}> <{INFERRED}> }} }} }}")
    assert asserted > 0
    assert count(ro_server) == union
    assert count(ro_server, infer="false") == asserted
    assert count(ro_server, inference="false") == asserted
    assert count(ro_server, infer="true") == union


def test_infer_parameter_must_be_boolean(ro_server: Server) -> None:
    assert get(ro_server, "ASK {}", None, infer="maybe").status_code == 400


def test_all_named_graphs_visible_to_graph(ro_server: Server) -> None:
    graphs = {row["g"] for row in select(ro_server, "SELECT DISTINCT ?g { GRAPH ?g { } }")}
    assert {ASSERTED, INFERRED, ONTOLOGY} <= graphs
    health = requests.get(ro_server.url + "/healthz", timeout=10).json()
    assert len(graphs) == health["graphs"]


def test_from_clause_is_honoured_without_protocol_dataset(ro_server: Server) -> None:
    ontology = count(ro_server, f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{ONTOLOGY}> {{ ?s ?p ?o }} }}")
    assert count(ro_server, f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY}> {{ ?s ?p ?o }}") \
        == ontology


# -- errors and limits ---------------------------------------------------------------------


def test_syntax_error_has_line_and_column(ro_server: Server) -> None:
    r = get(ro_server, "SELECT * WHERE {\n  ?s ?p \n}", "application/json")
    assert r.status_code == 400
    body = r.json()
    # where the object is missing: the end of line 2 or the "}" of line 3, by parser
    assert body["line"] in (2, 3) and body["column"] >= 1
    r = get(ro_server, "SELECT * WHERE {\n  ?s ?p \n}", "text/plain")
    assert r.text.startswith(f"400 bad-input: line {body['line']}, column ")
    assert "Traceback" not in r.text


def test_wrong_method_is_405_with_allow(ro_server: Server) -> None:
    r = requests.delete(ro_server.sparql, timeout=10)
    assert r.status_code == 405
    assert "GET" in r.headers["Allow"] and "POST" in r.headers["Allow"]
    r = requests.put(ro_server.url + "/healthz", timeout=10)
    assert r.status_code == 405


def test_unknown_path_is_404(ro_server: Server) -> None:
    r = requests.get(ro_server.url + "/nothing-here", headers={"Accept": "application/json"},
                     timeout=10)
    assert r.status_code == 404
    assert r.json()["status"] == 404


def test_result_cap(ro_server: Server) -> None:
    cap = ro_server.settings["max_results"]
    cartesian = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    r = get(ro_server, f"{cartesian} LIMIT {cap + 1}", "application/json")
    assert r.status_code == 413
    assert str(cap) in r.text
    assert get(ro_server, f"{cartesian} LIMIT {cap}").status_code == 200
    many = ("CONSTRUCT { <urn:x:s> <urn:x:p> ?x } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
            "BIND(CONCAT(STR(?a), STR(?b), STR(?c), STR(?d), STR(?e), STR(?f), STR(?g), "
            f"STR(?h), STR(?i)) AS ?x) }} LIMIT {cap + 1}")
    r = get(ro_server, many, "application/json")
    assert r.status_code == 413


def test_body_over_limit_is_413(ro_server: Server) -> None:
    limit = ro_server.settings["max_body_bytes"]
    q = "ASK {} #" + "x" * limit
    r = requests.post(ro_server.sparql, data=q.encode(),
                      headers={"Content-Type": "application/sparql-query"}, timeout=10)
    assert r.status_code == 413


def test_query_over_length_limit(ro_server: Server) -> None:
    limit = ro_server.settings["max_query_length"]
    q = "ASK {} #" + "x" * limit
    assert get(ro_server, q).status_code == 414
    r = requests.post(ro_server.sparql, data=q.encode(),
                      headers={"Content-Type": "application/sparql-query"}, timeout=10)
    assert r.status_code == 413


def test_service_outside_allowlist_is_refused(ro_server: Server) -> None:
    r = get(ro_server, "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert r.status_code == 403


def _uses_real_executor(server: Server) -> bool:
    return "alliance_kg.store.executor" not in server.output().split("\n", 1)[0]


def test_timeout_is_503_and_frees_the_worker(ro_server: Server) -> None:
    if not _uses_real_executor(ro_server):
        pytest.skip("store.executor (the killable query child) has not landed yet")
    cartesian = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . "
                 "?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r }")
    started = time.monotonic()
    r = get(ro_server, cartesian, "application/json")
    assert r.status_code == 503
    assert int(r.headers["Retry-After"]) > 0
    assert "timeout" in r.json()["error"]
    assert time.monotonic() - started < 10
    started = time.monotonic()
    assert get(ro_server, "ASK { ?s ?p ?o }").status_code == 200
    assert time.monotonic() - started < 1.0


# -- caching, compression, CORS ------------------------------------------------------------


def test_etag_and_304(ro_server: Server) -> None:
    r = get(ro_server, SOME, "text/csv")
    etag = r.headers["ETag"]
    assert r.headers["Cache-Control"] == "no-cache"
    again = requests.get(ro_server.sparql, params={"query": SOME},
                         headers={"Accept": "text/csv", "If-None-Match": etag}, timeout=10)
    assert again.status_code == 304
    assert again.content == b""
    other = requests.get(ro_server.sparql, params={"query": SOME},
                         headers={"Accept": "application/sparql-results+xml",
                                  "If-None-Match": etag}, timeout=10)
    assert other.status_code == 200
    assert other.headers["ETag"] != etag
    # no ETag for queries whose answer changes by itself
    assert "ETag" not in get(ro_server, "SELECT (NOW() AS ?t) {}").headers


def test_gzip(ro_server: Server) -> None:
    # under the test server's result cap (1000), big enough to be worth compressing
    q = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 500"
    r = requests.get(ro_server.sparql, params={"query": q},
                     headers={"Accept": "application/n-triples", "Accept-Encoding": "gzip"},
                     timeout=10)
    assert r.status_code == 200
    assert r.headers.get("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in r.headers["Vary"]
    assert len(rdflib.Graph().parse(data=r.content, format="nt")) == min(500, count(ro_server))
    r = requests.get(ro_server.sparql, params={"query": SOME},
                     headers={"Accept-Encoding": "identity"}, timeout=10)
    assert "Content-Encoding" not in r.headers
    assert json.loads(r.content)


def test_cors_preflight_allows_authorization(ro_server: Server) -> None:
    r = requests.options(ro_server.sparql, headers={
        "Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"}, timeout=10)
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] in ("*", "https://yasgui.example")
    assert "authorization" in r.headers["Access-Control-Allow-Headers"].lower()
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    r = get(ro_server, "ASK {}", None)
    r = requests.get(ro_server.sparql, params={"query": "ASK {}"},
                     headers={"Origin": "https://yasgui.example"}, timeout=10)
    assert r.headers["Access-Control-Allow-Origin"] in ("*", "https://yasgui.example")
    assert "ETag" in r.headers["Access-Control-Expose-Headers"]


def test_invalid_graph_iris_are_400(ro_server: Server) -> None:
    assert get(ro_server, "ASK {}", None, **{"default-graph-uri": "not an iri"}).status_code \
        == 400
    assert get(ro_server, "ASK {}", None, **{"named-graph-uri": "rel"}).status_code == 400
    r = requests.get(ro_server.store, params={"graph": "http://a b/"}, timeout=10)
    assert r.status_code == 400

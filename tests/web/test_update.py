"""SPARQL Update and Graph Store writes: who may write, where writes go, re-derivation,
SHACL rejection leaving the store exactly as it was, atomicity for readers, ETags."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests

from .conftest import ASSERTED, INFERRED, TOKEN, Server, ask, dump, restore_fixture, update

PROLOGUE = ("PREFIX akg: <https://w3id.org/alliance-kg/ontology/>\n"
            "PREFIX akr: <https://w3id.org/alliance-kg/resource/>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")


@pytest.fixture
def rw(rw_server: Server) -> Iterator[Server]:
    restore_fixture(rw_server)
    yield rw_server


def in_graph(server: Server, graph: str, pattern: str) -> bool:
    return ask(server, PROLOGUE + f"ASK {{ GRAPH <{graph}> {{ {pattern} }} }}")


# -- who may write -------------------------------------------------------------------------


def test_update_without_token_is_401(rw: Server) -> None:
    r = requests.post(rw.sparql, data={"update": "CLEAR ALL"}, timeout=10)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = requests.post(rw.sparql, data={"update": "CLEAR ALL"},
                      headers={"Authorization": "Bearer wrong"}, timeout=10)
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    r = requests.post(rw.sparql, data={"update": "CLEAR ALL"},
                      headers={"Authorization": f"Basic {TOKEN}"}, timeout=10)
    assert r.status_code == 401
    assert in_graph(rw, ASSERTED, "?s ?p ?o")


def test_graph_store_write_without_token_is_401(rw: Server) -> None:
    r = requests.delete(rw.store, params={"default": ""}, timeout=10)
    assert r.status_code == 401
    r = requests.put(rw.store, params={"graph": "urn:x:g"}, data=b"<urn:a> <urn:b> <urn:c> .",
                     headers={"Content-Type": "application/n-triples"}, timeout=10)
    assert r.status_code == 401


def test_read_only_server_is_403(ro_server: Server) -> None:
    for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}):
        r = requests.post(ro_server.sparql, data={"update": "CLEAR ALL"}, headers=headers,
                          timeout=10)
        assert r.status_code == 403
        r = requests.delete(ro_server.store, params={"default": ""}, headers=headers,
                            timeout=10)
        assert r.status_code == 403


def test_token_never_logged(rw: Server) -> None:
    update(rw, PROLOGUE + "INSERT DATA { akr:Nepal a akg:Actor }")
    assert TOKEN not in rw.output()


# -- where writes go -----------------------------------------------------------------------


def test_update_without_graph_writes_asserted_and_reinfers(rw: Server) -> None:
    r = update(rw, PROLOGUE + 'INSERT DATA { akr:Korea a akg:State ; rdfs:label "Korea"@en }')
    assert r.status_code == 204, r.text
    assert in_graph(rw, ASSERTED, "akr:Korea a akg:State")
    # recomputed before the answer: the State is an Actor in the inferred graph already
    assert in_graph(rw, INFERRED, "akr:Korea a akg:Actor")
    assert ask(rw, PROLOGUE + "ASK { akr:Korea a akg:Actor }")
    assert not ask(rw, PROLOGUE + "ASK { akr:Korea a akg:Actor }", infer="false")
    # the store's own default graph stays empty: every triple is in a named graph
    r = requests.get(rw.store, headers={"Accept": "application/n-quads"}, timeout=10)
    assert all(line.rstrip(" .").endswith(">") and line.count("<https://w3id.org/alliance-kg/"
               "graph/") >= 1 for line in r.text.splitlines() if "Korea" in line)

    r = update(rw, PROLOGUE + 'DELETE DATA { akr:Korea a akg:State ; rdfs:label "Korea"@en }')
    assert r.status_code == 204, r.text
    assert not in_graph(rw, INFERRED, "akr:Korea a akg:Actor")


def test_asserted_graph_name_and_default_graph_are_one(rw: Server) -> None:
    r = update(rw, PROLOGUE + f'INSERT DATA {{ GRAPH <{ASSERTED}> {{ akr:Fiji a akg:State ; '
                              'rdfs:label "Fiji"@en } }')
    assert r.status_code == 204, r.text
    assert in_graph(rw, INFERRED, "akr:Fiji a akg:Actor")
    r = update(rw, PROLOGUE + 'DELETE WHERE { akr:Fiji ?p ?o }')
    assert r.status_code == 204, r.text
    assert not in_graph(rw, ASSERTED, "akr:Fiji ?p ?o")


def test_direct_edit_of_inferred_graph_is_recomputed(rw: Server) -> None:
    r = update(rw, f"INSERT DATA {{ GRAPH <{INFERRED}> {{ <urn:x:a> a <urn:x:B> }} }}")
    assert r.status_code == 204
    assert not in_graph(rw, INFERRED, "<urn:x:a> a <urn:x:B>")
    r = requests.put(rw.store, params={"graph": INFERRED}, data=b"",
                     headers={"Content-Type": "text/turtle", **rw.auth()}, timeout=10)
    assert r.status_code == 403


def test_gsp_default_graph_is_asserted(rw: Server) -> None:
    body = ('@prefix akg: <https://w3id.org/alliance-kg/ontology/> .\n'
            '<https://w3id.org/alliance-kg/resource/Palau> a akg:State ;\n'
            '  <http://www.w3.org/2000/01/rdf-schema#label> "Palau"@en .\n')
    r = requests.post(rw.store, params={"default": ""}, data=body,
                      headers={"Content-Type": "text/turtle", **rw.auth()}, timeout=10)
    assert r.status_code == 204, r.text
    assert in_graph(rw, ASSERTED, "akr:Palau a akg:State")
    assert in_graph(rw, INFERRED, "akr:Palau a akg:Actor")


def test_load_and_service_refused_in_updates(rw: Server) -> None:
    r = update(rw, "LOAD <http://127.0.0.1:9/data.ttl>")
    assert r.status_code == 403
    r = update(rw, "INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/sparql> "
                   "{ ?s ?p ?o } }")
    assert r.status_code == 403


def test_graph_store_unknown_content_type_is_415(rw: Server) -> None:
    r = requests.put(rw.store, params={"graph": "urn:x:g"}, data=b"a,b,c",
                     headers={"Content-Type": "text/csv", **rw.auth()}, timeout=10)
    assert r.status_code == 415
    r = requests.put(rw.store, params={"graph": "urn:x:g"}, data=b"<urn:a> <urn:b> <urn:c> .",
                     headers={"Content-Type": "application/n-triples; charset=latin-1",
                              **rw.auth()}, timeout=10)
    assert r.status_code == 415


def test_graph_store_body_over_limit_is_413(rw: Server) -> None:
    body = b"<urn:a> <urn:b> <urn:c> .\n" * (rw.settings["max_body_bytes"] // 25 + 1)
    r = requests.put(rw.store, params={"graph": "urn:x:big"}, data=body,
                     headers={"Content-Type": "application/n-triples", **rw.auth()}, timeout=30)
    assert r.status_code == 413


# -- SHACL rejection -----------------------------------------------------------------------


def test_shape_violation_is_422_and_store_unchanged(rw: Server) -> None:
    before = dump(rw)
    bad = PROLOGUE + "INSERT DATA { akr:Atlantis a akg:State }"  # a State needs a label
    r = update(rw, bad)
    assert r.status_code == 422
    assert r.headers["Content-Type"].startswith("text/turtle")
    assert "sh:conforms false" in r.text or "conforms> false" in r.text
    r = requests.post(rw.sparql, data=bad.encode(), timeout=10, headers={
        "Content-Type": "application/sparql-update", "Accept": "application/json", **rw.auth()})
    assert r.status_code == 422
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json()
    body = ("<https://w3id.org/alliance-kg/resource/Atlantis> "
            "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
            "<https://w3id.org/alliance-kg/ontology/State> .\n")
    r = requests.put(rw.store, params={"default": ""}, data=body,
                     headers={"Content-Type": "application/n-triples", **rw.auth()}, timeout=10)
    assert r.status_code == 422
    assert dump(rw) == before


def test_failed_update_leaves_store_unchanged(rw: Server) -> None:
    before = dump(rw)
    r = update(rw, PROLOGUE + 'INSERT DATA { akr:Tonga a akg:State ; rdfs:label "Tonga"@en } ;'
                              " CREATE GRAPH <urn:x:twice> ; CREATE GRAPH <urn:x:twice>")
    assert r.status_code == 409
    assert dump(rw) == before


# -- readers see before or after, never between ---------------------------------------------


def test_update_is_atomic_for_readers(rw: Server) -> None:
    torn = PROLOGUE + ("ASK { ?x a akg:State FILTER NOT EXISTS { ?x a akg:Actor } }")
    seen: list[bool] = []
    stop = threading.Event()

    def reader() -> None:
        with requests.Session() as s:
            while not stop.is_set():
                r = s.get(rw.sparql, params={"query": torn}, timeout=10)
                seen.append(r.json()["boolean"])

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(8):
            r = update(rw, PROLOGUE + f'INSERT DATA {{ akr:Isle{i} a akg:State ; '
                                      f'rdfs:label "Isle {i}"@en }}')
            assert r.status_code == 204
            r = update(rw, PROLOGUE + f"DELETE WHERE {{ akr:Isle{i} ?p ?o }}")
            assert r.status_code == 204
    finally:
        stop.set()
        thread.join()
    assert seen and not any(seen)


# -- caching -------------------------------------------------------------------------------


def test_write_changes_the_etag(rw: Server) -> None:
    q = {"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}
    etag = requests.get(rw.sparql, params=q, timeout=10).headers["ETag"]
    r = requests.get(rw.sparql, params=q, headers={"If-None-Match": etag}, timeout=10)
    assert r.status_code == 304
    assert update(rw, PROLOGUE + "INSERT DATA { akr:Samoa a akg:Actor }").status_code == 204
    r = requests.get(rw.sparql, params=q, headers={"If-None-Match": etag}, timeout=10)
    assert r.status_code == 200
    assert r.headers["ETag"] != etag

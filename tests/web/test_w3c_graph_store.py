"""The W3C SPARQL 1.1 Graph Store HTTP Protocol test cases, in the suite's order.

Re-expressed from the W3C ``http-rdf-update`` tests: ``$GRAPHSTORE$/person/N.ttl`` graphs named
directly by their URL, ``?graph=`` for the same graphs named indirectly, ``?default``, and the
201/204/404 cases. The cases build on each other (PUT, then GET of PUT, ...), so they run in
file order against one server. Where the suite allows 200 or 204 for a write without a body,
the service answers 204; a PUT that creates a graph is 201.
"""

from __future__ import annotations

import pytest
import rdflib
import requests
from rdflib.compare import isomorphic

from .conftest import Server

FOAF_V = ("@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n"
          "@prefix v: <http://www.w3.org/2006/vcard/ns#> .\n")
TURTLE = "text/turtle; charset=utf-8"
STATE: dict[str, str] = {}


def person(server: Server, n: int) -> str:
    return f"{server.store}/person/{n}.ttl"


def john_doe(server: Server, name: str = "John Doe") -> str:
    return (FOAF_V + f"<{server.url}/rdf-graph-store/person/1> a foaf:Person;\n"
            f'    foaf:businessCard [ a v:VCard; v:fn "{name}" ].\n')


ALICE = FOAF_V + '[] a foaf:Person; foaf:businessCard [ a v:VCard; v:given-name "Alice" ] .\n'


def put(server: Server, url: str, body: str, params: dict[str, str] | None = None,
        content_type: str = TURTLE) -> requests.Response:
    return requests.put(url, params=params, data=body.encode("utf-8"),
                        headers={"Content-Type": content_type, **server.auth()}, timeout=30)


def get_graph(url: str, params: dict[str, str] | None = None) -> rdflib.Graph:
    r = requests.get(url, params=params, headers={"Accept": "text/turtle"}, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == TURTLE
    return rdflib.Graph().parse(data=r.text, format="turtle")


def same(graph: rdflib.Graph, turtle: str) -> bool:
    return isomorphic(graph, rdflib.Graph().parse(data=turtle, format="turtle"))


@pytest.fixture(scope="module")
def gs(rw_server: Server) -> Server:
    for n in (1, 2, 3, 4):
        requests.delete(person(rw_server, n), headers=rw_server.auth(), timeout=30)
    return rw_server


def test_put__initial_state(gs: Server) -> None:
    r = put(gs, person(gs, 1), john_doe(gs))
    assert r.status_code == 201, r.text


def test_get_of_put__initial_state(gs: Server) -> None:
    g = get_graph(gs.store, {"graph": person(gs, 1)})
    assert same(g, john_doe(gs))


def test_head_on_an_existing_graph(gs: Server) -> None:
    r = requests.head(person(gs, 1), headers={"Accept": "text/turtle"}, timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == TURTLE
    assert int(r.headers["Content-Length"]) > 0
    assert r.content == b""


def test_head_on_a_nonexisting_graph(gs: Server) -> None:
    r = requests.head(person(gs, 4), timeout=10)
    assert r.status_code == 404


def test_put__graph_already_in_store(gs: Server) -> None:
    r = put(gs, person(gs, 1), john_doe(gs, "Jane Doe"))
    assert r.status_code == 204, r.text


def test_get_of_put__graph_already_in_store(gs: Server) -> None:
    assert same(get_graph(person(gs, 1)), john_doe(gs, "Jane Doe"))


def test_put__default_graph(gs: Server) -> None:
    r = put(gs, gs.store, ALICE, {"default": ""})
    assert r.status_code == 204, r.text


def test_get_of_put__default_graph(gs: Server) -> None:
    assert same(get_graph(gs.store, {"default": ""}), ALICE)


def test_put__mismatched_payload(gs: Server) -> None:
    rdfxml = ('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf='
              '"http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF>\n')
    r = requests.put(person(gs, 1), data=rdfxml,
                     headers={"Content-Type": TURTLE, "Accept": "application/json",
                              **gs.auth()}, timeout=30)
    assert r.status_code == 400
    assert r.json()["line"] == 1
    # nothing changed
    assert same(get_graph(person(gs, 1)), john_doe(gs, "Jane Doe"))


def test_put__empty_graph(gs: Server) -> None:
    r = put(gs, gs.store, "", {"graph": person(gs, 2)})
    assert r.status_code == 201, r.text


def test_get_of_put__empty_graph(gs: Server) -> None:
    assert len(get_graph(person(gs, 2))) == 0


def test_put__replace_empty_graph(gs: Server) -> None:
    r = put(gs, gs.store, ALICE, {"graph": person(gs, 2)})
    assert r.status_code == 204, r.text


def test_get_of_replacement_for_empty_graph(gs: Server) -> None:
    assert same(get_graph(person(gs, 2)), ALICE)


def test_delete__existing_graph(gs: Server) -> None:
    r = requests.delete(person(gs, 2), headers=gs.auth(), timeout=30)
    assert r.status_code == 204


def test_get_of_delete__existing_graph(gs: Server) -> None:
    r = requests.get(person(gs, 2), headers={"Accept": "text/turtle"}, timeout=10)
    assert r.status_code == 404


def test_delete__nonexistent_graph(gs: Server) -> None:
    r = requests.delete(person(gs, 2), headers=gs.auth(), timeout=30)
    assert r.status_code == 404


def test_post__existing_graph(gs: Server) -> None:
    body = ("@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n"
            f'<{gs.url}/rdf-graph-store/person/1> foaf:name "Jane Doe" .\n')
    r = requests.post(person(gs, 1), data=body,
                      headers={"Content-Type": TURTLE, **gs.auth()}, timeout=30)
    assert r.status_code == 204, r.text


def _jane(gs: Server, extra: str = "") -> str:
    return (FOAF_V + f"<{gs.url}/rdf-graph-store/person/1> a foaf:Person;\n"
            f'    foaf:name "Jane Doe"; {extra}\n'
            '    foaf:businessCard [ a v:VCard; v:fn "Jane Doe" ] .\n')


def test_get_of_post__existing_graph(gs: Server) -> None:
    assert same(get_graph(person(gs, 1)), _jane(gs))


def test_post__multipart_formdata(gs: Server) -> None:
    subject = f"<{gs.url}/rdf-graph-store/person/1>"
    files = {
        "lastName.ttl": ("lastName.ttl",
                         f'@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n{subject} '
                         'foaf:familyName "Doe" .\n', TURTLE),
        "firstName.ttl": ("firstName.ttl",
                          f'@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n{subject} '
                          'foaf:givenName "Jane" .\n', TURTLE),
    }
    r = requests.post(person(gs, 1), files=files, headers=gs.auth(), timeout=30)
    assert r.status_code == 204, r.text


def test_get_of_post__multipart_formdata(gs: Server) -> None:
    expected = _jane(gs, 'foaf:givenName "Jane"; foaf:familyName "Doe";')
    assert same(get_graph(person(gs, 1)), expected)


def test_post__create__new_graph(gs: Server) -> None:
    r = requests.post(gs.store, data=ALICE, headers={"Content-Type": TURTLE, **gs.auth()},
                      timeout=30)
    assert r.status_code == 201, r.text
    STATE["new"] = r.headers["Location"]
    assert STATE["new"].startswith(gs.store + "/")


def test_get_of_post__create__new_graph(gs: Server) -> None:
    assert same(get_graph(STATE["new"]), ALICE)


def test_post__empty_graph_to_existing_graph(gs: Server) -> None:
    r = requests.post(STATE["new"], data=b"", headers={"Content-Type": TURTLE, **gs.auth()},
                      timeout=30)
    assert r.status_code == 204, r.text


def test_get_of_post__after_noop(gs: Server) -> None:
    assert same(get_graph(STATE["new"]), ALICE)

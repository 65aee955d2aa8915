"""``akg:directType`` (the build's view of each resource's most specific types) follows writes:
the resources whose types a write changes get their direct types again, in the view's graph
and in asserted, as the build would compute them (in process: Flask's test client)."""

from __future__ import annotations

import pytest
import rdflib
from flask.testing import FlaskClient

from alliance_kg.knowledge.views import DIRECT_TYPES, direct_types
from alliance_kg.namespaces import AKG, ASSERTED, INFERRED, ONTOLOGY
from alliance_kg.store.base import Store

from .conftest import in_process_writable

TOKEN = "direct-types-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PREFIXES = """PREFIX akg: <https://w3id.org/alliance-kg/ontology/>
PREFIX akr: <https://w3id.org/alliance-kg/resource/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""
NEW = "https://w3id.org/alliance-kg/resource/direct-type-test"


@pytest.fixture(params=["oxigraph", "memory"])
def writable(request: pytest.FixtureRequest) -> tuple[Store, FlaskClient]:
    return in_process_writable(request.param, TOKEN)


def _update(client: FlaskClient, text: str) -> None:
    r = client.post("/update", data={"update": PREFIXES + text}, headers=AUTH)
    assert r.status_code in (200, 204), r.get_data(as_text=True)


def _direct(client: FlaskClient, node: str) -> set[str]:
    r = client.get("/sparql", headers={"Accept": "application/sparql-results+json"},
                   query_string={"query": f"SELECT ?t WHERE {{ <{node}> akg:directType ?t }}"
                                 .replace("akg:", "<https://w3id.org/alliance-kg/ontology/>")
                                 .replace("<https://w3id.org/alliance-kg/ontology/>directType",
                                          "<https://w3id.org/alliance-kg/ontology/directType>")})
    assert r.status_code == 200, r.get_data(as_text=True)
    return {b["t"]["value"] for b in r.get_json()["results"]["bindings"]}


def _graph(store: Store, name: str) -> rdflib.Graph:
    out = rdflib.Graph()
    for t in store.graph_view(name).triples((None, None, None)):
        out.add(t)
    return out


def _as_the_build_computes(store: Store) -> None:
    """The view's graph holds exactly what the build computes from the store's data now, and
    asserted holds the same direct types."""
    asserted, inferred = _graph(store, str(ASSERTED)), _graph(store, str(INFERRED))
    expected = set(direct_types([asserted, inferred], _graph(store, str(ONTOLOGY)))
                   .triples((None, AKG.directType, None)))
    view = set(_graph(store, str(DIRECT_TYPES)).triples((None, AKG.directType, None)))
    assert view == expected
    assert set(asserted.triples((None, AKG.directType, None))) == expected


def test_direct_types_follow_inserts_and_deletes(writable: tuple[Store, FlaskClient]) -> None:
    store, client = writable
    _as_the_build_computes(store)
    _update(client, f"""INSERT DATA {{ <{NEW}> a akg:MilitaryCommand ;
        rdfs:label "a test command"@en }}""")
    assert _direct(client, NEW) == {str(AKG.MilitaryCommand)}
    _update(client, f"INSERT DATA {{ <{NEW}> a akg:JointCommand }}")  # more specific
    assert _direct(client, NEW) == {str(AKG.JointCommand)}
    _update(client, f"DELETE DATA {{ <{NEW}> a akg:JointCommand }}")
    assert _direct(client, NEW) == {str(AKG.MilitaryCommand)}
    _as_the_build_computes(store)
    _update(client, f"DELETE WHERE {{ <{NEW}> ?p ?o }}")
    assert _direct(client, NEW) == set()
    _as_the_build_computes(store)


def test_a_refused_write_leaves_the_direct_types(writable: tuple[Store, FlaskClient]) -> None:
    store, client = writable
    before = set(_graph(store, str(DIRECT_TYPES)))
    # a command without a label violates the shapes: 422, nothing written
    r = client.post("/update", headers=AUTH, data={
        "update": PREFIXES + f"INSERT DATA {{ <{NEW}> a akg:JointCommand }}"})
    assert r.status_code == 422, r.get_data(as_text=True)
    assert set(_graph(store, str(DIRECT_TYPES))) == before
    _update(client, f"""INSERT DATA {{ <{NEW}> a akg:JointCommand ;
        rdfs:label "a test command"@en }}""")
    assert _direct(client, NEW) == {str(AKG.JointCommand)}
    _as_the_build_computes(store)


def test_a_bulk_write_gives_every_new_resource_its_direct_types(
        writable: tuple[Store, FlaskClient]) -> None:
    """A Graph Store POST of generated data (hundreds of typed resources at once, past the
    bulk validation threshold) leaves the direct types as the build would compute them."""
    import io

    from alliance_kg.knowledge.generate import BASE, generate

    store, client = writable
    text = io.StringIO()
    generate(3000, 5, text)
    body = text.getvalue().replace(BASE, BASE + "bulk-").encode()
    r = client.post("/rdf-graph-store?default", data=body,
                    headers={**AUTH, "Content-Type": "application/n-triples"})
    assert r.status_code in (200, 201, 204), r.get_data(as_text=True)
    _as_the_build_computes(store)
    found = _graph(store, str(DIRECT_TYPES))
    bulk = {s for s in found.subjects(AKG.directType, None) if str(s).startswith(BASE + "bulk-")}
    assert len(bulk) > 100

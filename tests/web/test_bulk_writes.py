"""Bulk writes on the delta path (issue 12): a Graph Store POST of generated data into the
default graph leaves the store as reasoning over the same data from scratch would, through the
bulk path (the SHACL finder reading the store's own N-Triples on Oxigraph), and a violating
bulk POST is refused whole (in process: Flask's test client)."""

from __future__ import annotations

import io

import pyoxigraph as ox
import pytest
import rdflib
from flask.testing import FlaskClient
from rdflib.namespace import RDF, RDFS

from alliance_kg.formats import BY_KEY
from alliance_kg.knowledge import fastshacl
from alliance_kg.knowledge.generate import BASE, generate
from alliance_kg.knowledge.reason import infer
from alliance_kg.namespaces import AKG, ASSERTED, INFERRED, ONTOLOGY
from alliance_kg.protocol.delta import Delta
from alliance_kg.store.base import Store
from alliance_kg.store.memory import MemoryStore
from alliance_kg.store.oxigraph import OxigraphStore
from alliance_kg.terms import to_rdflib
from alliance_kg.web import writes

from .conftest import in_process_writable

TOKEN = "bulk-writes-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(params=["oxigraph", "memory"])
def writable(request: pytest.FixtureRequest) -> tuple[Store, FlaskClient]:
    return in_process_writable(request.param, TOKEN)


def _graph(store: Store, name: str) -> rdflib.Graph:
    out = rdflib.Graph()
    for t in store.graph_view(name).triples((None, None, None)):
        out.add(t)
    return out


def _generated(n: int, seed: int, prefix: str) -> bytes:
    text = io.StringIO()
    generate(n, seed, text)
    return text.getvalue().replace(BASE, BASE + prefix).encode()


def _post(client: FlaskClient, body: bytes) -> int:
    r = client.post("/rdf-graph-store?default", data=body,
                    headers={**AUTH, "Content-Type": "application/n-triples"})
    return r.status_code


def test_a_bulk_post_leaves_what_reasoning_from_scratch_gives(
        writable: tuple[Store, FlaskClient], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writes, "OVERLAP_ABOVE", 1000)  # validation beside the quads' making
    store, client = writable
    before = set(_graph(store, str(ASSERTED)))
    body = _generated(3000, 11, "bulk-")
    posted = {tuple(to_rdflib(x) for x in (t.subject, t.predicate, t.object))
              for t in ox.parse(body, ox.RdfFormat.N_TRIPLES)}
    assert _post(client, body) in (200, 201, 204)
    asserted = _graph(store, str(ASSERTED))
    # the posted triples, and besides them only the direct types the write keeps current
    assert set(asserted) - before >= posted
    assert all(p == AKG.directType for _, p, _ in set(asserted) - before - posted)
    expected = infer(asserted, _graph(store, str(ONTOLOGY)), semantics="owlrl-fast")
    assert set(_graph(store, str(INFERRED))) == set(expected)
    assert fastshacl.LAST_PATH[0] == "fast"  # validated whole, by the bulk path
    assert fastshacl.LAST_INPUT[0] == ("native" if isinstance(store, OxigraphStore)
                                       else "graphs")


def test_a_violating_bulk_post_is_422_and_changes_nothing(
        writable: tuple[Store, FlaskClient], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writes, "OVERLAP_ABOVE", 1000)
    store, client = writable
    before = store.dump(BY_KEY["nquads"])
    # a State needs a label: one unlabelled state among thousands of good triples
    bad = (f"<{BASE}bulk-Atlantis> <{RDF.type}> <{AKG.State}> .\n").encode()
    r = client.post("/rdf-graph-store?default", data=_generated(3000, 12, "bulk-") + bad,
                    headers={**AUTH, "Content-Type": "application/n-triples",
                             "Accept": "application/json"})
    assert r.status_code == 422, r.get_data(as_text=True)[:2000]
    assert f"{BASE}bulk-Atlantis" in r.get_data(as_text=True)
    assert fastshacl.LAST_PATH[0] == "fast"
    assert store.dump(BY_KEY["nquads"]) == before


def test_the_native_union_is_the_deltas_union() -> None:
    """``Delta.ntriples`` (the finder's input on Oxigraph) holds exactly the triples of the
    graphs as the delta leaves them, projected on the predicates asked for; and a large
    delta's pattern reads (through its index) give what a scan gives."""
    g1, g2 = "urn:x:g1", "urn:x:g2"
    p, q = rdflib.URIRef("urn:x:p"), rdflib.URIRef("urn:x:q")
    store = OxigraphStore()
    nodes = [rdflib.URIRef(f"urn:x:n{i}") for i in range(400)]
    lines = [f"<{n}> <{p}> \"v{i}\"@en <{g1}> ." for i, n in enumerate(nodes[:200])]
    lines += [f"<{n}> <{q}> <{nodes[0]}> <{g1}> ." for n in nodes[:50]]
    lines.append(f"<{nodes[1]}> <{p}> \"v1\"@en <{g2}> .")  # also in g2
    lines += [f"_:b1 <{p}> \"blank\" <{g1}> .", f"_:b2 <{q}> _:b1 <{g1}> ."]
    store.load("\n".join(lines).encode(), BY_KEY["nquads"])
    delta = Delta(store)
    delta.remove(g1, (nodes[1], p, rdflib.Literal("v1", lang="en")))  # stays in g2
    delta.remove(g1, (nodes[2], p, rdflib.Literal("v2", lang="en")))
    blank = next(t for t in delta.triples(g1, (None, q, None)) if isinstance(t[0], rdflib.BNode))
    delta.remove(g1, blank)  # blank nodes keep their labels in the text: left out too
    for i, n in enumerate(nodes[200:]):
        delta.add(g2, (n, p, rdflib.Literal(i)))
        delta.add(g2, (n, RDFS.label, rdflib.Literal(f"label {i}", lang="fr")))
    delta.add(g1, (nodes[3], q, nodes[4]))

    def union(predicates: set[rdflib.URIRef] | None) -> set[tuple[object, ...]]:
        return {t for g in (g1, g2) for t in delta.triples(g, (None, None, None))
                if predicates is None or t[1] in predicates}

    def native(predicates: set[rdflib.URIRef] | None) -> set[tuple[object, ...]]:
        text = delta.ntriples([g1, g2], predicates)
        assert text is not None
        return {tuple(to_rdflib(x) for x in (t.subject, t.predicate, t.object))
                for t in ox.parse(text.encode(), ox.RdfFormat.N_TRIPLES)}

    for predicates in (None, {p}, {q, RDFS.label}):
        assert native(predicates) == union(predicates)
    assert (nodes[1], p, rdflib.Literal("v1", lang="en")) in native({p})
    assert (nodes[2], p, rdflib.Literal("v2", lang="en")) not in native({p})
    assert blank not in native(None) and len([t for t in native(None)
                                              if isinstance(t[0], rdflib.BNode)]) == 1
    added = delta.added[g2]
    assert len(added) > 256  # read through the index
    for pattern in ((None, p, None), (nodes[300], None, None), (None, None, rdflib.Literal(7)),
                    (nodes[300], RDFS.label, None), (nodes[0], p, None)):
        scanned = {t for t in added
                   if all(x is None or x == y for x, y in zip(pattern, t, strict=True))}
        assert set(delta._added_matching(g2, pattern)) == scanned
    assert Delta(MemoryStore()).ntriples([g1], None) is None  # only Oxigraph's serializer

"""The remote store on OpenLink Virtuoso 7 answers and writes as the embedded store does.

A real ``virtuoso-t`` (``virtuoso_server.py``) holds the built dataset; every competency question
of ``queries/`` is asked of it and of an embedded Oxigraph store over the protocol's datasets,
and the answers must be equal. A write round trip (load, delta with blank nodes and the default
graph, graph swap, drop) must leave both stores with the same dump. The quirks of
docs/STORES.md, "Virtuoso", are each pinned by a test here, so an engine upgrade that changes
one is noticed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import to_isomorphic
from virtuoso_server import PASSWORD, VirtuosoServer, start_virtuoso

from alliance_kg.config import Settings
from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.formats import BY_KEY
from alliance_kg.knowledge.build import ensure_built
from alliance_kg.store.base import QueryResult, Store
from alliance_kg.store.oxigraph import OxigraphStore
from alliance_kg.store.remote import RemoteStore

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = sorted((ROOT / "queries").glob("*.rq"))
GRAPH = "https://w3id.org/alliance-kg/graph/"
ASR, INF = GRAPH + "asserted", GRAPH + "inferred"
TRIG, NQ, NT, TTL = BY_KEY["trig"], BY_KEY["nquads"], BY_KEY["ntriples"], BY_KEY["turtle"]
_LABEL = re.compile(r"_:\S+")


def canon(result: QueryResult) -> object:
    """An answer comparable across engines: rows and triples as sorted lists, every blank
    node label as ``_:b`` (each engine labels its own)."""
    if result.form == "ASK":
        return json.loads(result.serialize(BY_KEY["json"]))["boolean"]
    if result.form == "SELECT":
        body = json.loads(result.serialize(BY_KEY["json"]))
        rows = []
        for b in body["results"]["bindings"]:
            rows.append(json.dumps({k: (v if v["type"] != "bnode" else {"type": "bnode"})
                                    for k, v in b.items()}, sort_keys=True))
        return sorted(rows)
    return sorted(_LABEL.sub("_:b", line)
                  for line in result.serialize(NT).decode().splitlines())


def dataset_of(store: Store) -> rdflib.Dataset:
    ds = rdflib.Dataset()
    ds.parse(data=store.dump(NQ), format="nquads")
    return ds


def same_dataset(a: Store, b: Store) -> None:
    """Equal graph by graph, up to blank node labels."""
    da, db = dataset_of(a), dataset_of(b)
    names = {str(g.identifier) for g in da.graphs() if len(g)}
    assert names == {str(g.identifier) for g in db.graphs() if len(g)}
    for name in names:
        ga, gb = da.graph(rdflib.URIRef(name)), db.graph(rdflib.URIRef(name))
        assert to_isomorphic(ga) == to_isomorphic(gb), name


@pytest.fixture(scope="module")
def loaded(virtuoso_server: VirtuosoServer) -> Iterator[tuple[RemoteStore, OxigraphStore]]:
    data = ensure_built(Settings.from_env({}, root=ROOT)).read_bytes()
    virtuoso_server.clear()
    remote, local = virtuoso_server.store(timeout=30), OxigraphStore()
    assert remote.load(data, TRIG) == local.load(data, TRIG)
    yield remote, local
    remote.close()
    virtuoso_server.clear()


@pytest.mark.parametrize("path", QUESTIONS, ids=[q.stem[:2] for q in QUESTIONS])
def test_every_competency_question_answers_as_embedded(
        loaded: tuple[RemoteStore, OxigraphStore], path: Path) -> None:
    remote, local = loaded
    sparql = path.read_text(encoding="utf-8")
    for dataset in ([ASR, INF], [ASR]):  # the service's dataset, and without inference
        want = canon(local.query(sparql, default_graphs=dataset))
        assert canon(remote.query(sparql, default_graphs=dataset)) == want, dataset


def test_the_loaded_dataset_is_the_same(loaded: tuple[RemoteStore, OxigraphStore]) -> None:
    remote, local = loaded
    assert remote.graph_names() == local.graph_names()
    for g in [None, ASR, INF]:
        assert remote.count(g) == local.count(g), g
    same_dataset(remote, local)


# -- writes --------------------------------------------------------------------------------

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
START = f"""@prefix ex: <{EX}> . @prefix xsd: <{XSD}> .
ex:d ex:p "in the default graph" ; ex:n 7 .
ex:g1 {{ ex:a ex:p ex:b ; ex:label "Alpha"@en , "Alpha"@fr ; ex:when "2024-05-01"^^xsd:date .
         ex:a ex:q [ ex:r "inside a blank node" ; ex:s [ ex:t 1.5 ] ] . }}
ex:g2 {{ ex:c ex:p "two" . _:x ex:p ex:c . }}
""".encode()


def q(s: str | ox.BlankNode, p: str, o: ox.NamedNode | ox.Literal | ox.BlankNode,
      g: str | None = None) -> ox.Quad:
    subject = ox.NamedNode(EX + s) if isinstance(s, str) else s
    return ox.Quad(subject, ox.NamedNode(EX + p), o,
                   ox.NamedNode(EX + g) if g else ox.DefaultGraph())


def blank_subject(store: Store, graph: str) -> ox.BlankNode:
    (node,) = [t.subject for t in ox.parse(store.get_graph(graph, NT), ox.RdfFormat.N_TRIPLES)
               if isinstance(t.subject, ox.BlankNode)]
    return node


def test_a_write_round_trip_leaves_the_same_dataset(virtuoso_server: VirtuosoServer) -> None:
    virtuoso_server.clear()
    remote, local = virtuoso_server.store(), OxigraphStore()
    for store in (remote, local):
        store.load(START, TRIG)
    same_dataset(remote, local)
    blank = ox.BlankNode()
    added = [q("a", "p", ox.NamedNode(EX + "z"), "g1"),
             q("d", "p", ox.Literal("neu", language="de")), q("e", "has", blank, "g3"),
             q(blank, "v", ox.Literal("7", datatype=ox.NamedNode(EX + "dt")), "g3")]
    removed = [q("a", "p", ox.NamedNode(EX + "b"), "g1"),
               q("d", "n", ox.Literal("7", datatype=ox.NamedNode(XSD + "integer")))]
    for store in (remote, local):
        store.apply_delta(removed, added)
    same_dataset(remote, local)
    # a blank node to remove: the remote store rewrites the graphs concerned
    for store in (remote, local):
        gone = q(blank_subject(store, EX + "g2"), "p", ox.NamedNode(EX + "c"), "g2")
        store.apply_delta([gone], [], cleared=[EX + "g3"])
    same_dataset(remote, local)
    assert remote.count(EX + "g2") == 1
    swap = f'@prefix ex: <{EX}> . ex:s ex:p [ ex:q "swapped"@en-GB ] .'.encode()
    for store in (remote, local):
        store.replace_graphs({EX + "g1": (swap, TTL), None: (b"", TTL)})
    same_dataset(remote, local)
    assert remote.count(None) == 0
    for store in (remote, local):
        store.drop_graph(EX + "g2")
    same_dataset(remote, local)
    assert remote.graph_names() == local.graph_names() == [EX + "g1"]
    remote.close()


def test_one_delete_across_graphs_removes_every_triple(virtuoso_server: VirtuosoServer) -> None:
    """What the service sent for ``DELETE WHERE { akr:Fiji ?p ?o }``: Virtuoso, given one
    DELETE DATA over two graphs, kept the language-tagged label and said it was done."""
    virtuoso_server.clear()
    store = virtuoso_server.store()
    quads = [q("Fiji", "label", ox.Literal("Fiji", language="en"), "asserted"),
             q("Fiji", "type", ox.NamedNode(EX + "State"), "asserted"),
             q("Fiji", "type", ox.NamedNode(EX + "Actor"), "inferred")]
    store.apply_delta([], quads)
    assert store.count(EX + "asserted") == 2
    store.apply_delta(quads, [])
    assert store.graph_names() == []
    store.close()


# -- the quirks, one by one (docs/STORES.md, "Virtuoso") --------------------------------------


def test_virtuoso_s_own_graphs_are_not_ours(virtuoso_server: VirtuosoServer) -> None:
    virtuoso_server.clear()
    store = virtuoso_server.store()
    scan = store._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    system = {row["g"].value for row in scan}
    assert "http://www.openlinksw.com/schemas/virtrdf#" in system, "a fresh database has them"
    assert store.graph_names() == []
    assert store.dump(NQ) == b""
    assert store.count(None) == 0
    with pytest.raises(KGError) as err:
        store.get_graph("http://www.openlinksw.com/schemas/virtrdf#", TTL)
    assert err.value.kind is ErrorKind.NOT_FOUND
    # the query's default graph is ours alone, not the union of every graph on the server
    assert canon(store.query("ASK { ?s ?p ?o }")) is False
    assert canon(store.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")) == []
    store.close()


def test_ask_blank_nodes_and_the_default_graph(virtuoso_server: VirtuosoServer) -> None:
    virtuoso_server.clear()
    store = virtuoso_server.store()
    store.load(b"<http://x/a> <http://x/p> _:b . _:b <http://x/p> <http://x/c> .", TTL)
    assert canon(store.query("ASK { <http://x/a> ?p ?o }")) is True
    assert canon(store.query("ASK { <http://x/none> ?p ?o }")) is False
    rows = json.loads(store.query("SELECT ?o WHERE { <http://x/a> ?p ?o }").serialize(
        BY_KEY["json"]))["results"]["bindings"]
    assert rows[0]["o"]["type"] == "bnode" and "nodeID" not in rows[0]["o"]["value"]
    assert store.graph_names() == [], "the default graph's stand-in is no named graph"
    assert store.count(None) == 2
    store.close()


def test_what_virtuoso_changes_in_literals(virtuoso_server: VirtuosoServer) -> None:
    """Pinned, not repaired: Virtuoso stores values, not lexical forms (docs/STORES.md)."""
    virtuoso_server.clear()
    store = virtuoso_server.store()
    xsd = "http://www.w3.org/2001/XMLSchema#"
    store.load(f'''<http://x/a> <http://x/int> "01"^^<{xsd}integer> ;
        <http://x/dec> "1.50"^^<{xsd}decimal> ; <http://x/lang> "colour"@en-GB ;
        <http://x/str> "s"^^<{xsd}string> ; <http://x/date> "2024-05-01"^^<{xsd}date> ;
        <http://x/same> 1 , 1.0e0 , true .'''.encode(), TTL)
    got = {t.predicate.value.rsplit("/", 1)[1] + " " + str(t.object)
           for t in ox.parse(store.get_graph(None, NT), ox.RdfFormat.N_TRIPLES)}
    assert f'int "1"^^<{xsd}integer>' in got, "lexical form made canonical"
    assert f'dec "1.5"^^<{xsd}decimal>' in got
    assert 'lang "colour"@en-gb' in got, "language tags lower-cased (equal in RDF 1.1)"
    assert 'str "s"' in got and f'date "2024-05-01"^^<{xsd}date>' in got, "kept"
    same = sorted(x for x in got if x.startswith("same "))
    assert len(same) == 1, f"1, 1.0e0 and true are one value to Virtuoso: {same}"
    store.close()


def test_a_wrong_password_writes_nothing(virtuoso_server: VirtuosoServer) -> None:
    virtuoso_server.clear()
    store = RemoteStore(virtuoso_server.query_url, virtuoso_server.update_url, timeout=10,
                        dialect=virtuoso_server.store().dialect, user="dba", password="wrong")
    with pytest.raises(KGError) as err:
        store.load(b"<http://x/a> <http://x/p> 1 .", TTL)
    assert "401" in err.value.message
    assert store.count(None) == 0
    anonymous = RemoteStore(virtuoso_server.query_url, virtuoso_server.query_url, timeout=10,
                            dialect=virtuoso_server.store().dialect)
    with pytest.raises(KGError):  # the anonymous endpoint may not write
        anonymous.load(b"<http://x/a> <http://x/p> 1 .", TTL)
    assert store.count(None) == 0


def test_an_answer_cut_at_virtuoso_s_time_limit_is_refused(tmp_path: Path) -> None:
    """Past MaxQueryExecutionTime Virtuoso answers 200 with the rows found so far."""
    server = start_virtuoso(tmp_path / "v", timeout=1)
    try:
        store = server.store(timeout=60)
        rows = " ".join(f"<http://x/s{i}> <http://x/p> {i} ." for i in range(300))
        store.load(rows.encode(), TTL)
        with pytest.raises(KGError) as err:
            store.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . "
                        "?g ?s ?h }").serialize(BY_KEY["json"])
        assert err.value.kind is ErrorKind.TIMEOUT
        store.close()
    finally:
        server.stop()


def _documented(command: str) -> str:
    """The shell line of docs/STORES.md, "Moving to your own engine", that runs ``command``."""
    text = (ROOT / "docs" / "STORES.md").read_text(encoding="utf-8")
    section = text.split("## Moving to your own engine", 1)[1]
    (line,) = [x for x in section.splitlines() if x.startswith(command)]
    return line


@pytest.mark.slow
def test_bulk_move_as_documented(virtuoso_server: VirtuosoServer, tmp_path: Path) -> None:
    """Export from an embedded store's directory, Virtuoso's bulk loader, the store serves it."""
    data = ensure_built(Settings.from_env({}, root=ROOT)).read_bytes()
    local, reference = OxigraphStore(str(tmp_path / "db")), OxigraphStore()
    for store in (local, reference):
        store.load(data, TRIG)
        store.load(b"<http://x/only-in-default> <http://x/p> 1 .", TTL)
    local.close()
    del local  # RocksDB's lock goes with the object
    import_dir = virtuoso_server.location / "import"  # under its DirsAllowed
    import_dir.mkdir(exist_ok=True)
    env = {**os.environ, "DB": str(tmp_path / "db"), "VIRTUOSO_SQL_PORT":
           str(virtuoso_server.sql_port), "DBA_PASSWORD": PASSWORD, "IMPORT_DIR": str(import_dir)}
    export = _documented("python3 -c").replace("python3", sys.executable, 1)
    subprocess.run(["bash", "-c", export], cwd=import_dir, env=env, check=True)
    virtuoso_server.clear()
    done = subprocess.run(["bash", "-c", _documented("isql-vt")], cwd=import_dir, env=env,
                          check=True, capture_output=True, text=True)
    assert "Error" not in done.stdout + done.stderr, done.stdout + done.stderr
    remote = virtuoso_server.store(timeout=30)
    assert remote.count(None) == reference.count(None) == 1
    same_dataset(remote, reference)
    remote.close()
    virtuoso_server.clear()

"""The full-text index kept current by deltas equals the index built afresh from the store
(protocol/search.py): the same texts, types and vocabulary after inserts, deletions and cleared
graphs, and searches that see each change."""

from __future__ import annotations

import pyoxigraph as ox

from alliance_kg.protocol.search import Query, SearchIndex, normalise, snippet
from alliance_kg.store.oxigraph import OxigraphStore

G = ox.NamedNode("https://w3id.org/alliance-kg/graph/asserted")
NOTES = ox.NamedNode("urn:x:notes")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
QUOTE = ox.NamedNode("https://w3id.org/alliance-kg/ontology/quote")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
STATE = ox.NamedNode("https://w3id.org/alliance-kg/ontology/State")


def node(name: str) -> ox.NamedNode:
    return ox.NamedNode(f"https://w3id.org/alliance-kg/resource/{name}")


def contents(index: SearchIndex) -> tuple[list[tuple[object, ...]], ...]:
    db = index._db
    return (sorted(db.execute("SELECT g, s, p, lang, text, kind FROM doc").fetchall()),
            sorted(db.execute("SELECT s, type, g FROM types").fetchall()),
            sorted(db.execute("SELECT term, n FROM vocab").fetchall()))


def apply(store: OxigraphStore, index: SearchIndex, removed: list[ox.Quad],
          added: list[ox.Quad], cleared: tuple[str, ...] = ()) -> None:
    store.apply_delta(removed, added, cleared)
    index.apply(removed, added, cleared)


def hits(index: SearchIndex, text: str, **kw: object) -> list[str]:
    return [h.iri for h in index.search(Query(text, **kw))]  # type: ignore[arg-type]


def test_deltas_keep_the_index_equal_to_a_fresh_build() -> None:
    store = OxigraphStore()
    first = [ox.Quad(node("japan"), LABEL, ox.Literal("Japan", language="en"), G),
             ox.Quad(node("japan"), LABEL, ox.Literal("日本", language="ja"), G),
             ox.Quad(node("japan"), TYPE, STATE, G),
             ox.Quad(node("s1"), QUOTE, ox.Literal("Tokyo and Washington met in July."), G)]
    store.apply_delta([], first)
    index = SearchIndex.build(store)
    assert contents(index) == contents(SearchIndex.build(store))
    assert hits(index, "日本") == [node("japan").value]

    tuvalu = [ox.Quad(node("tuvalu"), LABEL, ox.Literal("Tuvalu", language="en"), G),
              ox.Quad(node("tuvalu"), LABEL, ox.Literal("ツバル", language="ja"), NOTES),
              ox.Quad(node("tuvalu"), TYPE, STATE, G)]
    apply(store, index, [], tuvalu)
    assert contents(index) == contents(SearchIndex.build(store))
    assert hits(index, "tuvalu", type=STATE.value) == [node("tuvalu").value]
    assert hits(index, "Tokyo", kind="sentence") == [node("s1").value]

    apply(store, index, [first[1], tuvalu[2]], [])
    assert contents(index) == contents(SearchIndex.build(store))
    assert hits(index, "日本") == []
    assert hits(index, "tuvalu", type=STATE.value) == []

    apply(store, index, [], [], (NOTES.value,))
    assert contents(index) == contents(SearchIndex.build(store))
    assert hits(index, "ツバル") == []
    assert hits(index, "tuvalu") == [node("tuvalu").value]


def test_normalisation_and_snippets() -> None:
    assert normalise("\uff33ÉBASTIAN Café") == "sebastian cafe"  # a full-width S
    assert normalise("ガンダム") == "ガンダム"  # voicing marks are part of the letter
    text = "A long quote " * 30 + "about Taiwan's autonomy " + "and more words " * 30
    window, marks = snippet(text, ["taiwan"], [])
    assert len(window) < len(text) and window.startswith("…") and window.endswith("…")
    assert [window[a:b] for a, b in marks] == ["Taiwan"]
    window, marks = snippet("統合作戦司令部", [], ["作戦"])
    assert [window[a:b] for a, b in marks] == ["作戦"]


def test_our_vocabulary_is_found_as_terms_once_whatever_graph_holds_its_labels() -> None:
    """The build's vocabulary view copies the ontology's labels into the data: a class of
    ours is still one hit, of kind "term", not a term and an entity."""
    akg = "https://w3id.org/alliance-kg/ontology/"
    label = ox.Literal("joint command", language="en")
    rdfs_label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    quads = [ox.Quad(ox.NamedNode(akg + "JointCommand"), rdfs_label, label,
                     ox.NamedNode(g)) for g in (
        "https://w3id.org/alliance-kg/graph/ontology",
        "https://w3id.org/alliance-kg/graph/vocabulary",
        "https://w3id.org/alliance-kg/graph/asserted")]
    index = SearchIndex.of_quads(quads)
    hits = index.search(Query("joint command"))
    assert [(h.iri, h.kind) for h in hits] == [(akg + "JointCommand", "term")]

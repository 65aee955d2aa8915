"""The build pipeline: graphs, provenance, failures, deterministic TriG, ensure_built."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from kgfixtures import PREFIXES, write
from rdflib import BNode, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from alliance_kg.config import Settings
from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.knowledge.build import (
    DATASET_IRI,
    build_dataset,
    ensure_built,
    is_stale,
    serialize_trig,
    write_dataset,
)
from alliance_kg.knowledge.load import load_files
from alliance_kg.knowledge.views import DIRECT_TYPES, VIEW_GRAPHS, VOCABULARY
from alliance_kg.namespaces import ASSERTED, DESCRIPTION, INFERRED, ONTOLOGY, SHAPES, VOID

AKR = "https://w3id.org/alliance-kg/resource/"
AKG = "https://w3id.org/alliance-kg/ontology/"
FIXTURE_EDITORIAL = "https://w3id.org/alliance-kg/graph/editorial/fixture"


def graphs(ds: rdflib.Dataset) -> dict[str, int]:
    return {str(g.identifier): len(g) for g in ds.graphs() if len(g)}


def test_named_graphs(repo: Path) -> None:
    ds = build_dataset(repo)
    sizes = graphs(ds)
    assert set(sizes) == {str(n) for n in (ONTOLOGY, ASSERTED, INFERRED, SHAPES, DESCRIPTION)} | {
        AKR + "sentence-1", AKR + "sentence-2", AKR + "article", FIXTURE_EDITORIAL} | {
        str(n) for n in VIEW_GRAPHS}
    # the 23 data triples, and the build's views (vocabulary labels, direct types; issue 14)
    assert sizes[str(ASSERTED)] == 23 + sizes[str(VOCABULARY)] + sizes[str(DIRECT_TYPES)] == 67
    assert sizes[str(ONTOLOGY)] == 73
    # provenance: the sentence graph says who is subordinate to whom; asserted has it too
    fact = (URIRef(AKR + "USFJ"), URIRef(AKG + "subordinateTo"), URIRef(AKR + "INDOPACOM"))
    assert fact in ds.graph(URIRef(AKR + "sentence-1"))
    assert fact in ds.graph(ASSERTED)
    assert not set(ds.graph(ASSERTED)) & set(ds.graph(INFERRED))
    assert (URIRef(AKR + "JFHQ"), URIRef(AKG + "subordinateTo"), URIRef(AKR + "INDOPACOM")) \
        in ds.graph(INFERRED)


def test_description_counts_graphs_without_a_build_time(repo: Path) -> None:
    ds = build_dataset(repo)
    d = ds.graph(DESCRIPTION)
    assert (DATASET_IRI, RDF.type, VOID.Dataset) in d
    assert d.value(ASSERTED, VOID.triples) == Literal(67)  # 23 data + 44 view triples
    assert d.value(URIRef(AKR + "sentence-2"), VOID.triples) == Literal(2)
    sources = sorted(str(s) for s in d.objects(DATASET_IRI, URIRef(
        "http://purl.org/dc/terms/source")))
    assert sources == ["data/article/claims.trig", "data/article/entities.trig",
                       "data/article/source.trig", "ontology/core.ttl", "shapes/shapes.ttl"]
    assert not any(isinstance(o, Literal) and o.datatype and "dateTime" in o.datatype
                   for o in d.objects())


def test_written_trig_is_byte_identical_and_round_trips(any_repo: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.trig", tmp_path / "b.trig"
    ds = build_dataset(any_repo)
    write_dataset(ds, first)
    write_dataset(build_dataset(any_repo), second)
    assert first.read_bytes() == second.read_bytes()
    # strict parser (the service's store) accepts it, and every graph comes back the same
    assert len(list(ox.parse(path=str(first)))) == sum(graphs(ds).values())
    again = load_files([first])
    for g in ds.graphs():
        assert isomorphic(g, again.graph(g.identifier)), g.identifier
    text = first.read_text(encoding="utf-8")
    assert text.index("akgraph:asserted {") < text.index("akgraph:inferred {")
    assert "@prefix akg: <https://w3id.org/alliance-kg/ontology/> ." in text


def test_output_does_not_depend_on_hash_seeds(repo: Path, tmp_path: Path) -> None:
    script = ("import sys; from pathlib import Path; "
              "from alliance_kg.knowledge.build import build_dataset, write_dataset; "
              "write_dataset(build_dataset(Path(sys.argv[1])), Path(sys.argv[2]))")
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"seed{seed}.trig"
        subprocess.run([sys.executable, "-c", script, str(repo), str(out)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_blank_nodes_shared_between_graphs_survive_writing(repo: Path, tmp_path: Path) -> None:
    write(repo / "data" / "article" / "roles.trig", PREFIXES + """
        akr:sentence-3 { akr:sentence-3 a akg:Sentence .
                         akr:Admiral akg:holds _:post . _:post akg:name "commander" . }
        akr:sentence-4 { akr:sentence-4 a akg:Sentence . _:post akg:locatedIn akr:Japan . }
    """)
    ds = build_dataset(repo)
    path = tmp_path / "out.trig"
    write_dataset(ds, path)
    again = load_files([path])
    post = again.graph(URIRef(AKR + "sentence-3")).value(URIRef(AKR + "Admiral"),
                                                         URIRef(AKG + "holds"))
    assert isinstance(post, BNode)
    assert (post, URIRef(AKG + "locatedIn"), URIRef(AKR + "Japan")) in again.graph(
        URIRef(AKR + "sentence-4"))
    assert (post, URIRef(AKG + "locatedIn"), URIRef(AKR + "Japan")) in again.graph(ASSERTED)


def test_inconsistent_data_fails_the_build(repo: Path) -> None:
    write(repo / "data" / "article" / "clash.ttl", PREFIXES + "akr:Admiral a akg:State .\n")
    with pytest.raises(KGError) as info:
        build_dataset(repo)
    assert info.value.kind is ErrorKind.INCONSISTENT
    assert "akr:Admiral" in info.value.message


def test_shape_violations_fail_the_build_unless_asked_not_to(repo: Path) -> None:
    write(repo / "data" / "article" / "nameless.ttl", PREFIXES + "akr:Atlantis a akg:State .\n")
    with pytest.raises(KGError) as info:
        build_dataset(repo)
    assert info.value.kind is ErrorKind.CONFLICT
    assert "data/article/nameless.ttl: Violation: akr:Atlantis akg:name" in info.value.message
    assert "Warning" not in info.value.message  # warnings never fail and are not listed
    assert build_dataset(repo, validate_shapes=False)


def test_parse_errors_name_the_file_relative_to_the_root(repo: Path) -> None:
    write(repo / "data" / "article" / "broken.ttl", PREFIXES + "akr:a akg:name \"x\" \n")
    with pytest.raises(KGError) as info:
        build_dataset(repo)
    err = info.value
    assert err.kind is ErrorKind.BAD_INPUT
    assert (err.file, err.line) == ("data/article/broken.ttl", 8)


def test_data_may_not_write_our_graphs(repo: Path) -> None:
    write(repo / "data" / "sneaky.trig",
          PREFIXES + "<https://w3id.org/alliance-kg/graph/inferred> { akr:a akg:name \"a\" . }\n")
    with pytest.raises(KGError, match="reserved graph"):
        build_dataset(repo)


def test_an_empty_checkout_builds_an_empty_dataset(tmp_path: Path) -> None:
    ds = build_dataset(tmp_path)
    assert set(graphs(ds)) == {str(DESCRIPTION)}
    assert serialize_trig(ds).count(b" {\n") == 1


def test_ensure_built_rebuilds_only_when_stale(repo: Path) -> None:
    settings = Settings(root=repo)
    extra = write(repo / "data" / "article" / "extra.trig", PREFIXES + """
        <urn:x:extra> {
            <urn:x:extra> <http://www.w3.org/ns/prov#wasDerivedFrom> <https://example.org/x> .
            akr:article <http://purl.org/dc/terms/alternative> "Extra title" . }""")
    path = ensure_built(settings)
    assert path == repo / "dist" / "alliance-kg.trig" and path.exists()
    built_at = path.stat().st_mtime_ns
    assert not is_stale(repo, path)
    assert ensure_built(settings).stat().st_mtime_ns == built_at

    os.utime(path, (0, 0))  # as if the build were older than every source
    assert is_stale(repo, path)
    ensure_built(settings)
    assert not is_stale(repo, path)

    # deleting a file touches its folder: rebuilt, and the deleted facts are gone
    assert "Extra title" in path.read_text(encoding="utf-8")
    extra.unlink()
    assert is_stale(repo, path)
    ensure_built(settings)
    assert "Extra title" not in path.read_text(encoding="utf-8")


def test_every_sentence_graph_is_kept_with_its_triples(any_repo: Path) -> None:
    claims = load_files([any_repo / "data" / "article" / "claims.trig"])
    sentences = [g for g in claims.graphs() if len(g) and isinstance(g.identifier, URIRef)
                 and g.identifier != rdflib.graph.DATASET_DEFAULT_GRAPH_ID]
    assert sentences, "claims.trig has one named graph per sentence"
    ds = build_dataset(any_repo, validate_shapes=False)
    asserted = set(ds.graph(ASSERTED))
    for sentence in sentences:
        kept = ds.graph(sentence.identifier)
        assert isomorphic(kept, sentence), sentence.identifier
        assert set(kept) <= asserted

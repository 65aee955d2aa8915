"""Every asserted triple has a source: a sentence, an article, or a graph naming its reference."""

from __future__ import annotations

from pathlib import Path

import pytest
from kgfixtures import PREFIXES, write
from rdflib import Graph, Literal
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import PROV, RDF

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.knowledge import provenance
from alliance_kg.knowledge.build import build_dataset
from alliance_kg.knowledge.load import load_files
from alliance_kg.namespaces import AKG, AKR

ROOT = Path(__file__).resolve().parents[2]
PROV_PREFIX = "@prefix prov: <http://www.w3.org/ns/prov#> .\n"


def _refused(repo: Path) -> str:
    with pytest.raises(KGError) as info:
        build_dataset(repo)
    assert info.value.kind is ErrorKind.CONFLICT
    return info.value.message


def test_a_triple_in_a_files_default_graph_fails_the_build(repo: Path) -> None:
    write(repo / "data" / "article" / "loose.ttl", PREFIXES + 'akr:USA akg:name "USA" .\n')
    message = _refused(repo)
    assert ('data/article/loose.ttl: Violation: akr:USA akg:name: this triple is in the default '
            'graph of its file') in message
    assert "[aksh:SourcedTriple; aksh:SourcedTriple]" in message
    assert build_dataset(repo, validate_shapes=False)  # the check is part of validation


def test_a_named_graph_that_names_no_source_fails_the_build(repo: Path) -> None:
    fact = "akr:USA akg:locatedIn akr:Japan ."
    write(repo / "data" / "notes.trig", PREFIXES + f"akr:notes {{ {fact} }}\n")
    assert ("data/notes.trig: Violation: akr:USA akg:locatedIn: graph akr:notes is neither a "
            "sentence nor an article and names no reference") in _refused(repo)
    # naming a reference makes it a source
    write(repo / "data" / "notes.trig", PREFIXES + PROV_PREFIX + f"akr:notes {{ {fact} "
          "akr:notes prov:wasDerivedFrom <https://example.org/almanac> . }\n")
    assert (AKR.USA, AKG.locatedIn, AKR.Japan) in build_dataset(repo).graph(AKR.notes)


def test_a_literal_is_not_a_reference() -> None:
    data = Graph()
    data.add((AKR.notes, PROV.wasDerivedFrom, Literal("an almanac")))
    assert not provenance.is_source(AKR.notes, data)
    data.add((AKR.notes, RDF.type, AKG.Sentence))
    assert provenance.is_source(AKR.notes, data)


def test_many_unsourced_triples_are_counted_not_all_listed(repo: Path) -> None:
    n = provenance.SHOWN + 5
    write(repo / "data" / "bulk.ttl", PREFIXES + "".join(
        f'akr:thing-{i} akg:name "thing {i}" .\n' for i in range(n)))
    message = _refused(repo)
    assert message.count("data/bulk.ttl: Violation:") == provenance.SHOWN + 1
    assert "and 5 more triples of this file have no source" in message


def test_the_shipped_data_has_a_source_for_every_triple() -> None:
    quads = load_files(sorted((ROOT / "data").rglob("*.tri*"))
                       + sorted((ROOT / "data").rglob("*.ttl")))
    assert not list(quads.graph(DATASET_DEFAULT_GRAPH_ID))
    union = Graph()
    for s, p, o, _ in quads.quads((None, None, None, None)):
        union.add((s, p, o))
    graphs = {g.identifier: list(g) for g in quads.graphs()
              if len(g) and g.identifier != DATASET_DEFAULT_GRAPH_ID}
    assert len(graphs) > 40
    assert provenance.unsourced([], graphs, {}, union) == []

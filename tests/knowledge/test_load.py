"""Loading: formats, graphs, gzip, stdin, canonical blank nodes, and exact error positions."""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path

import pytest
import rdflib
from kgfixtures import FIXTURE_REPO, PREFIXES, write
from rdflib import BNode, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.parsers.notation3 import BadSyntax

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.formats import BY_KEY
from alliance_kg.knowledge import load
from alliance_kg.knowledge.load import load_files, parse_bytes, repo_sources, union_graph

AKR = "https://w3id.org/alliance-kg/resource/"
AKG = "https://w3id.org/alliance-kg/ontology/"

# (file name, content, line, column, words of the message): the column is 1-based and counts
# characters, so the en dash (three bytes in UTF-8) of "US\u2013Japan" before the error must
# not shift it.
BAD_FILES = [
    ("missing-dot.ttl",
     "@prefix ex: <http://ex/> .\nex:a ex:b ex:c .\nex:a ex:b  ex:c ex:d .\n", 3, 17, "dot"),
    ("unicode.ttl",
     '@prefix ex: <http://ex/> .\nex:a ex:b "US\u2013Japan" ; ex:c ex:d ex:e .\n', 2, 34, "dot"),
    ("undeclared.ttl",
     "@prefix ex: <http://ex/> .\n\n  ex:a foo:b ex:c .\n", 3, 8, "foo"),
    ("relative.ttl", "<a> <http://ex/b> <http://ex/c> .\n", 1, 1, "@base"),
    ("graph.trig",
     "@prefix ex: <http://ex/> .\nex:g {\n  ex:a ex:b ex:c\n  ex:d ex:e ex:f .\n}\n", 4, 3,
     "'.' is expected"),
    ("line.nt",
     "<http://a> <http://b> <http://c> .\n<http://a> <http://b> c .\n", 2, 23, "object"),
    ("quad.nq",
     "<http://a> <http://b> <http://c> <http://g> .\n"
     "<http://a> <http://b> <http://c> <http://g> <x> .\n", 2, 45, "scheme"),
    ("comma.jsonld", '{\n  "@id": "http://a",\n  "http://b": [1, 2,]\n}\n', 3, 21, "comma"),
    ("tag.rdf",
     '<?xml version="1.0"?>\n'
     '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
     '  <rdf:Description rdf:about="http://a">\n'
     "  </rdf:Descriptio>\n</rdf:RDF>\n", 4, 5, "mismatched tag"),
]


@pytest.mark.parametrize(("name", "text", "line", "column", "words"), BAD_FILES,
                         ids=[b[0] for b in BAD_FILES])
def test_parse_errors_have_file_line_and_column(tmp_path: Path, name: str, text: str,
                                                line: int, column: int, words: str) -> None:
    path = write(tmp_path / name, text)
    with pytest.raises(KGError) as info:
        load_files([path])
    err = info.value
    assert err.kind is ErrorKind.BAD_INPUT
    assert (err.file, err.line, err.column) == (str(path), line, column)
    assert words.lower() in err.message.lower()
    assert str(err).startswith(f"{path}:{line}:{column}: ")


def test_gzip_files_are_read_transparently(tmp_path: Path) -> None:
    path = tmp_path / "data.ttl.gz"
    path.write_bytes(gzip.compress(f"{PREFIXES}akr:a akg:name \"A\" .\n".encode()))
    ds = load_files([path])
    assert (URIRef(AKR + "a"), URIRef(AKG + "name"), Literal("A")) in union_graph(ds)


def test_gzip_errors_keep_their_position(tmp_path: Path) -> None:
    path = tmp_path / "bad.nt.gz"
    path.write_bytes(gzip.compress(b"<http://a> <http://b> <http://c> .\n<http://a> <b .\n"))
    with pytest.raises(KGError) as info:
        load_files([path])
    assert (info.value.file, info.value.line) == (str(path), 2)
    assert info.value.column is not None


def test_broken_gzip_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "broken.ttl.gz"
    path.write_bytes(gzip.compress(b"<http://a> <http://b> <http://c> .")[:-6])
    with pytest.raises(KGError) as info:
        load_files([path])
    assert info.value.kind is ErrorKind.BAD_INPUT and "gzip" in info.value.message


def test_stdin_needs_a_format(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"<http://a> <http://b> <http://c> <http://g> .\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    ds = load_files(["-"], fmt=BY_KEY["nquads"])
    assert len(ds.graph(URIRef("http://g"))) == 1

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    with pytest.raises(KGError) as info:
        load_files(["-"])
    assert info.value.kind is ErrorKind.BAD_INPUT and info.value.file == "<stdin>"


def test_stdin_errors_are_located(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"<http://a> <http://b> .\n")))
    with pytest.raises(KGError) as info:
        load_files(["-"], fmt=BY_KEY["ntriples"])
    assert (info.value.file, info.value.line, info.value.column) == ("<stdin>", 1, 23)


def test_unreadable_and_unknown_files_are_bad_input(tmp_path: Path) -> None:
    for path, words in ((tmp_path / "missing.ttl", "no such file"),
                        (write(tmp_path / "notes.txt", "hello"), "format"),
                        (tmp_path, "directory")):
        with pytest.raises(KGError) as info:
            load_files([path])
        assert info.value.kind is ErrorKind.BAD_INPUT
        assert info.value.file == str(path) and words in info.value.message


def test_results_formats_are_refused(tmp_path: Path) -> None:
    with pytest.raises(KGError, match="not an RDF format"):
        load_files([write(tmp_path / "x.ttl", "")], fmt=BY_KEY["csv"])


def test_turtle_goes_to_the_default_graph_and_trig_keeps_its_graphs(tmp_path: Path) -> None:
    turtle = write(tmp_path / "loose.ttl",
                   PREFIXES + 'akr:Korea akg:name "Korea" ; a akg:State .\n')
    ds = load_files([turtle, *sorted((FIXTURE_REPO / "data" / "article").iterdir())])
    sizes = {g.identifier: len(g) for g in ds.graphs() if len(g)}
    assert sizes[URIRef(AKR + "sentence-1")] == 1
    assert sizes[URIRef(AKR + "sentence-2")] == 2
    assert sizes[DATASET_DEFAULT_GRAPH_ID] == 2  # loose.ttl
    assert len(union_graph(ds)) == 25


def test_all_rdf_formats_load_the_same_triples(tmp_path: Path) -> None:
    g = rdflib.Graph().parse(FIXTURE_REPO / "ontology" / "core.ttl")
    expected = len(g)
    for key, ext in (("ntriples", "nt"), ("rdfxml", "rdf"), ("jsonld", "jsonld"),
                     ("turtle", "ttl")):
        path = tmp_path / f"onto.{ext}"
        path.write_bytes(g.serialize(format=BY_KEY[key].rdflib or key, encoding="utf-8"))
        assert len(union_graph(load_files([path]))) == expected, key


def test_blank_nodes_get_stable_labels_per_file_and_never_collide(tmp_path: Path) -> None:
    text = f"{PREFIXES}akr:a akg:hasPart [ akg:name \"x\" ] .\n"
    one, two = write(tmp_path / "one.ttl", text), write(tmp_path / "two.ttl", text + "\n# two\n")
    first = {n for t in union_graph(load_files([one])) for n in t if isinstance(n, BNode)}
    again = {n for t in union_graph(load_files([one])) for n in t if isinstance(n, BNode)}
    other = {n for t in union_graph(load_files([two])) for n in t if isinstance(n, BNode)}
    assert first == again and len(first) == 1
    assert first.isdisjoint(other)
    assert len(union_graph(load_files([one, two]))) == 4  # two distinct blank nodes


def test_a_blank_node_shared_by_two_graphs_stays_one_node(tmp_path: Path) -> None:
    path = write(tmp_path / "shared.trig",
                 f"{PREFIXES}akr:g1 {{ akr:a akg:role _:r . }}\n"
                 "akr:g2 { _:r akg:name \"r\" . }\n")
    ds = load_files([path])
    role = ds.graph(URIRef(AKR + "g1")).value(URIRef(AKR + "a"), URIRef(AKG + "role"))
    assert isinstance(role, BNode)
    assert ds.graph(URIRef(AKR + "g2")).value(role, URIRef(AKG + "name")) == Literal("r")


def test_rdflib_positions_are_one_based_and_count_characters() -> None:
    # the fallback for errors Oxigraph cannot place: rdflib's BadSyntax gives a character
    # offset into the document (and the document UTF-8 encoded); the column must come out as
    # Oxigraph's does
    text = '@prefix ex: <http://ex/> .\nex:a ex:b "US\u2013Japan" ; ex:c ex:d ex:e .\n'
    with pytest.raises(BadSyntax) as info:
        rdflib.Graph().parse(data=text, format="turtle")
    err = load._rdflib_error(info.value, "f.ttl")
    assert (err.line, err.column) == (2, 34)
    assert load.position_of_offset("ab\ncé|", len("ab\ncé")) == (2, 3)


def test_repo_sources_lists_knowledge_files_sorted(tmp_path: Path) -> None:
    for rel in ("ontology/b.ttl", "ontology/a.ttl", "ontology/catalog.xml", "data/x.trig",
                "data/article/e.ttl", "data/links/wikidata.ttl", "data/README.md",
                "shapes/s.ttl", "shapes/sub/ignored.ttl"):
        write(tmp_path / rel, "")
    sources = repo_sources(tmp_path)
    rel = {k: [p.relative_to(tmp_path).as_posix() for p in v] for k, v in sources.items()}
    assert rel == {
        "ontology": ["ontology/a.ttl", "ontology/b.ttl"],
        "data": ["data/article/e.ttl", "data/links/wikidata.ttl", "data/x.trig"],
        "shapes": ["shapes/s.ttl"],
    }
    assert repo_sources(tmp_path / "nowhere") == {"ontology": [], "data": [], "shapes": []}


def test_parse_bytes_reads_request_bodies() -> None:
    body = b'<http://a> <http://b> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .'
    quads = parse_bytes(body, BY_KEY["ntriples"])
    assert quads == [(URIRef("http://a"), URIRef("http://b"), Literal(1),
                      DATASET_DEFAULT_GRAPH_ID)]

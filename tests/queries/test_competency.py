"""Every competency question answers as the article says, with and without the inferred graph.

The dataset is built once from this checkout (ontology + data + shapes, the real pipeline). Each
``queries/NN-*.rq`` runs over asserted + inferred, where its answer must equal the expected file,
and over the asserted graph alone, where a ``Needs: asserted`` question must give the same answer
and a ``Needs: inference`` question a strictly smaller one: the proof that reasoning adds it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from alliance_kg.knowledge.build import build_dataset
from alliance_kg.knowledge.query import run_query
from alliance_kg.namespaces import PREFIXES

ROOT = Path(__file__).resolve().parents[2]
QUERIES = sorted((ROOT / "queries").glob("*.rq"))
HEADER = re.compile(r"^# (Question|Sentence|Needs): (.+)$", re.M)
# longest namespace first, so akgraph: is not taken for akg:
NAMESPACES = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def compact(node: object) -> str:
    """A term as the expected files write it: prefixed IRIs, Turtle literals."""
    if node is None:
        return ""
    if isinstance(node, URIRef):
        for prefix, ns in NAMESPACES:
            if str(node).startswith(ns) and re.fullmatch(r"[\w.-]*", str(node)[len(ns):]):
                return f"{prefix}:{str(node)[len(ns):]}"
        return f"<{node}>"
    if isinstance(node, BNode):
        return "_:b"
    if isinstance(node, Literal):
        text = '"' + str(node).replace("\\", "\\\\").replace('"', '\\"') + '"'
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype is not None and node.datatype != XSD.string:
            return f"{text}^^{compact(node.datatype)}"
        return text
    return str(node)


def headers(path: Path) -> dict[str, str]:
    return dict(HEADER.findall(path.read_text(encoding="utf-8")))


def expected(path: Path) -> set[str] | bool:
    text = path.with_suffix("").with_suffix(".expected.tsv").read_text(encoding="utf-8")
    if text.strip() in ("true", "false"):
        return text.strip() == "true"
    return set(text.splitlines()[1:])


def answer(ds: rdflib.Dataset, path: Path, *, inference: bool) -> set[str] | bool:
    result = run_query(ds, path.read_text(encoding="utf-8"), inference=inference)
    if result.type == "ASK":
        return bool(result.askAnswer)
    assert result.vars is not None
    return {"\t".join(compact(row[v]) for v in result.vars) for row in result}  # type: ignore[index]


@pytest.fixture(scope="module")
def dataset() -> rdflib.Dataset:
    return build_dataset(ROOT)


def test_enough_documented_questions() -> None:
    assert len(QUERIES) >= 25
    for q in QUERIES:
        h = headers(q)
        assert set(h) == {"Question", "Sentence", "Needs"}, q.name
        assert h["Needs"] in ("asserted", "inference"), q.name
        assert q.with_suffix("").with_suffix(".expected.tsv").is_file(), q.name
    assert any(headers(q)["Needs"] == "inference" for q in QUERIES)


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_answer_with_inference(query: Path, dataset: rdflib.Dataset) -> None:
    want, got = expected(query), answer(dataset, query, inference=True)
    if isinstance(want, bool):
        assert got == want
        return
    assert isinstance(got, set)
    assert got == want, f"missing: {sorted(want - got)}\nunexpected: {sorted(got - want)}"


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_answer_without_inference(query: Path, dataset: rdflib.Dataset) -> None:
    full, asserted = answer(dataset, query, inference=True), answer(dataset, query, inference=False)
    if headers(query)["Needs"] == "asserted":
        assert asserted == full, "documented as answerable from asserted facts alone"
    else:
        assert isinstance(asserted, set) and isinstance(full, set)
        assert asserted < full, "documented as needing inference, but the asserted graph " \
                                "already gives the whole answer"

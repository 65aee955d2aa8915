"""The scale generator: deterministic, about the size asked for, and accepted by our shapes."""

from __future__ import annotations

import io
from pathlib import Path

import rdflib

from alliance_kg.knowledge.generate import generate
from alliance_kg.knowledge.reason import infer
from alliance_kg.knowledge.validate import validate

ROOT = Path(__file__).resolve().parents[2]
AKG = rdflib.Namespace("https://w3id.org/alliance-kg/ontology/")


def _make(n: int, seed: int) -> str:
    out = io.StringIO()
    generate(n, seed, out)
    return out.getvalue()


def _graph(paths: list[Path]) -> rdflib.Graph:
    g = rdflib.Graph()
    for p in paths:
        g.parse(p, format="turtle")
    return g


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    assert _make(3000, 7) == _make(3000, 7)
    assert _make(3000, 7) != _make(3000, 8)


def test_size_within_five_per_cent() -> None:
    for n in (10_000, 30_000):
        g = rdflib.Graph().parse(data=_make(n, 1), format="nt")
        assert abs(len(g) - n) <= 0.05 * n, (n, len(g))


def test_conforms_to_the_shapes_after_reasoning() -> None:
    ontology = _graph(sorted((ROOT / "ontology").glob("*.ttl")))
    shapes = _graph(sorted((ROOT / "shapes").glob("*.ttl")))
    data = rdflib.Graph().parse(data=_make(3000, 2), format="nt")
    inferred = infer(data, ontology)
    assert any(inferred.triples((None, AKG.reportsToTransitively, None))), \
        "subordination chains give the reasoner work"
    report = validate(data + inferred, shapes, ontology=ontology)
    assert report.conforms, report.to_text()

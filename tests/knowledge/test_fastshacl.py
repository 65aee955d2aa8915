"""The fast SHACL path (pyshacl-turbo finds, pySHACL reports) gives pySHACL's report exactly,
and the default build (fast reasoner, fast SHACL) gives the reference build's dataset.

"The same report": the same verdict, the same set of results as (focus node, result path,
value, source shape, constraint component, severity), and the same report text and JSON. Checked
on the shipped data, on generated data (conforming, and with violations and warnings made in
bulk), on the fixture checkout and on every shape fixture (good and bad, with and without
inference), each time asserting that the fast path itself answered (no silent fallback).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, RDFS, Literal, URIRef

from alliance_kg.errors import KGError
from alliance_kg.knowledge import engines, fastshacl
from alliance_kg.knowledge.build import _BodySerializer, build_dataset, serialize_trig
from alliance_kg.knowledge.generate import generate
from alliance_kg.knowledge.load import load_files, repo_sources, union_graph
from alliance_kg.knowledge.reason import infer
from alliance_kg.knowledge.validate import ValidationReport, validate

pytest.importorskip("pyshacl_turbo", reason="the fast SHACL path needs pyshacl-turbo")

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_REPO = Path(__file__).with_name("fixtures") / "repo"
SHAPE_FIXTURES = sorted((ROOT / "tests" / "shapes" / "fixtures").glob("*/*.ttl"))
AKG = "https://w3id.org/alliance-kg/ontology/"


def _knowledge(root: Path, role: str) -> rdflib.Graph:
    return union_graph(load_files(repo_sources(root)[role]))


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return _knowledge(ROOT, "ontology")


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return _knowledge(ROOT, "shapes")


def _key(report: ValidationReport) -> list[tuple[str, ...]]:
    return sorted((r.focus_node.n3(), r.path, r.value.n3() if r.value is not None else "",
                   r.source_shape.n3(), str(r.component), str(r.severity))
                  for r in report.results)


def _same(data: rdflib.Graph, shapes: rdflib.Graph, ontology: rdflib.Graph,
          inference: str = "none") -> ValidationReport:
    """Validate with both engines; assert the fast path answered and equals the reference,
    its finder given the whole data and given only the triples whose predicates the shapes
    read (what it gets for large data)."""
    reference = validate(data, shapes, ontology=ontology, inference=inference, engine="pyshacl")
    for project_above in (fastshacl.PROJECT_ABOVE, 0):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(fastshacl, "PROJECT_ABOVE", project_above)
            fast = validate(data, shapes, ontology=ontology, inference=inference, engine="fast")
        assert fastshacl.LAST_PATH[0] == "fast"
        assert fast.conforms == reference.conforms
        assert _key(fast) == _key(reference)
        assert fast.to_text() == reference.to_text()
        assert fast.to_json() == reference.to_json()
    return reference


def _fed_all(data: rdflib.Graph, ontology: rdflib.Graph) -> bool:
    return fastshacl.LAST_FED[0] >= len(data) + len(ontology)


def _generated(n: int) -> rdflib.Graph:
    out = io.StringIO()
    generate(n, 3, out)
    return rdflib.Graph().parse(data=out.getvalue(), format="nt")


def test_same_report_on_the_shipped_data(shapes: rdflib.Graph, ontology: rdflib.Graph) -> None:
    data = _knowledge(ROOT, "data")
    report = _same(data, shapes, ontology, inference="owlrl")
    assert report.conforms


def test_large_data_is_projected_on_what_the_shapes_read(
        shapes: rdflib.Graph, ontology: rdflib.Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _generated(3000)
    data += infer(data, ontology, semantics="owlrl-fast")
    whole = validate(data, shapes, ontology=ontology, engine="fast")
    assert _fed_all(data, ontology)
    monkeypatch.setattr(fastshacl, "PROJECT_ABOVE", len(data) // 2)
    projected = validate(data, shapes, ontology=ontology, engine="fast")
    assert not _fed_all(data, ontology), "reportsToTransitively and others were left out"
    assert fastshacl.LAST_PATH[0] == "fast" and projected.to_text() == whole.to_text()
    read = fastshacl.read_predicates(shapes)
    assert read is not None and RDF.type in read
    assert URIRef(AKG + "reportsToTransitively") not in read


def test_same_report_on_generated_data(shapes: rdflib.Graph, ontology: rdflib.Graph) -> None:
    data = _generated(3000)
    data += infer(data, ontology, semantics="owlrl-fast")
    report = _same(data, shapes, ontology)
    assert report.conforms and not report.results


def test_same_report_on_generated_data_with_violations(shapes: rdflib.Graph,
                                                       ontology: rdflib.Graph) -> None:
    """Violations and warnings in bulk, of several kinds: missing labels, a datatype, a
    second status, a likelihood on an assessment (a warning), a value outside its list."""
    data = _generated(3000)
    data += infer(data, ontology, semantics="owlrl-fast")
    commands = sorted({s for s in data.subjects(RDF.type, URIRef(AKG + "JointCommand"))},
                      key=str)
    changes = sorted({s for s in data.subjects(RDF.type, URIRef(AKG + "Establishment"))},
                     key=str)
    claims = sorted({s for s in data.subjects(RDF.type, URIRef(AKG + "Prediction"))}, key=str)
    for c in commands[::7]:
        data.remove((c, RDFS.label, None))
    for c in changes[::5]:
        data.add((c, URIRef(AKG + "targetDate"), Literal("soon")))
        data.add((c, URIRef(AKG + "status"),
                  URIRef("https://w3id.org/alliance-kg/vocab/planned")))
    for c in claims[::6]:
        data.add((c, RDF.type, URIRef(AKG + "Assessment")))
        data.add((c, URIRef(AKG + "likelihood"), URIRef("http://example.org/nonsense")))
    report = _same(data, shapes, ontology)
    assert not report.conforms
    severities = {r.severity_name for r in report.results}
    assert {"Violation", "Warning"} <= severities
    assert len(report.results) > 50


def test_same_report_on_the_fixture_checkout() -> None:
    data, onto = _knowledge(FIXTURE_REPO, "data"), _knowledge(FIXTURE_REPO, "ontology")
    _same(data, _knowledge(FIXTURE_REPO, "shapes"), onto, inference="owlrl")


@pytest.mark.parametrize("inference", ["none", "owlrl"])
def test_same_report_on_every_shape_fixture(inference: str, shapes: rdflib.Graph,
                                            ontology: rdflib.Graph) -> None:
    failing = 0
    for path in SHAPE_FIXTURES:
        data = rdflib.Graph().parse(path, format="turtle")
        try:
            with engines.use(reasoner="fast"):
                report = _same(data, shapes, ontology, inference=inference)
        except KGError:  # some bad fixtures contradict the ontology: no report to compare
            assert inference == "owlrl" and path.name.startswith("bad")
            continue
        failing += not report.conforms
    assert failing > 40, "the fixtures' violations were compared"


def test_disagreement_falls_back_to_pyshacl(shapes: rdflib.Graph, ontology: rdflib.Graph,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A finder whose results pySHACL does not confirm is overruled: the report is pySHACL's
    over the whole data."""
    data = rdflib.Graph().parse(SHAPE_FIXTURES[0].with_name("good.ttl"), format="turtle")

    class Wrong:
        def validate(self, _data: object, **_kw: object) -> tuple[bool, rdflib.Graph, str]:
            g = rdflib.Graph()
            node = rdflib.BNode()
            g.add((node, RDF.type, rdflib.SH.ValidationResult))
            g.add((node, rdflib.SH.focusNode, URIRef("http://example.org/nobody")))
            return False, g, ""

    monkeypatch.setattr(fastshacl, "_compiled", lambda *_a: Wrong())
    report = validate(data, shapes, ontology=ontology, engine="fast")
    assert fastshacl.LAST_PATH[0].startswith("reference: the engines disagree")
    assert report.conforms and not report.results


@pytest.mark.parametrize("root", [ROOT, FIXTURE_REPO], ids=["shipped", "fixture"])
def test_default_build_is_the_reference_build(root: Path) -> None:
    """The default build (fast reasoner, fast SHACL) writes the reference build's bytes."""
    fast = serialize_trig(build_dataset(root))
    reference = serialize_trig(build_dataset(root, reasoner="owlrl", shacl="pyshacl"))
    assert fast == reference


def test_the_fast_writer_writes_what_rdflib_writes(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    """serialize_trig writes most subjects itself; rdflib's Turtle writer gives the same bytes
    (shipped data: blank nodes, lists, inline nodes; plus generated data)."""
    for name in ("ontology", "shapes", "data"):
        (tmp_path / name).mkdir()
        for p in repo_sources(ROOT)[name]:
            target = tmp_path / p.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(p.read_bytes())
    with (tmp_path / "data" / "generated.ttl").open("w", encoding="utf-8") as out:
        generate(2000, 1, out)
    ds = build_dataset(tmp_path, validate_shapes=False)
    fast = serialize_trig(ds)
    from rdflib.plugins.serializers.turtle import TurtleSerializer

    monkeypatch.setattr(_BodySerializer, "statement", TurtleSerializer.statement)
    assert serialize_trig(ds) == fast

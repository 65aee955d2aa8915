"""Every shape has a conforming and a violating fixture, and each does what it says.

The fixtures are validated the way the build validates: against all of ``shapes/`` with the
ontology joined to the data. A "bad" fixture must fail *because of its own shape* (the report
names that shape), so a shape that stops firing, or fires on the wrong thing, fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, SH, URIRef

from alliance_kg.knowledge.validate import validate

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).with_name("fixtures")
AKSH = "https://w3id.org/alliance-kg/shapes/"
AKV = "https://w3id.org/alliance-kg/vocab/"
SKOS = rdflib.namespace.SKOS


def _graph(paths: list[Path]) -> rdflib.Graph:
    g = rdflib.Graph()
    for p in paths:
        g.parse(p, format="turtle")
    return g


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return _graph(sorted((ROOT / "shapes").glob("*.ttl")))


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return _graph(sorted((ROOT / "ontology").glob("*.ttl")))


def _node_shapes(shapes: rdflib.Graph) -> list[str]:
    return sorted(str(s)[len(AKSH):] for s in shapes.subjects(RDF.type, SH.NodeShape)
                  if isinstance(s, URIRef) and str(s).startswith(AKSH))


SHAPE_NAMES = _node_shapes(_graph(sorted((ROOT / "shapes").glob("*.ttl"))))


def test_every_shape_has_a_fixture_pair() -> None:
    have = sorted(d.name for d in FIXTURES.iterdir() if d.is_dir())
    assert have == SHAPE_NAMES, "a shape without fixtures, or fixtures without a shape"
    for name in have:
        assert (FIXTURES / name / "good.ttl").is_file()
        assert (FIXTURES / name / "bad.ttl").is_file()


def test_every_constraint_has_a_message_and_severity(shapes: rdflib.Graph) -> None:
    """Each property shape and SPARQL constraint carries sh:message and sh:severity."""
    missing = []
    for node_shape in shapes.subjects(RDF.type, SH.NodeShape):
        constraints = list(shapes.objects(node_shape, SH.property))
        constraints += list(shapes.objects(node_shape, SH.sparql))
        assert constraints, f"{node_shape} constrains nothing"
        for c in constraints:
            if shapes.value(c, SH.message) is None or shapes.value(c, SH.severity) is None:
                missing.append(str(node_shape))
        # a SPARQL constraint is not a shape: its results take the severity of the node shape
        # (default sh:Violation), so the severity written on it must be that one
        own = shapes.value(node_shape, SH.severity) or SH.Violation
        for c in shapes.objects(node_shape, SH.sparql):
            assert shapes.value(c, SH.severity) in (None, own), \
                f"{node_shape}: SPARQL constraint severity differs from its shape's"
        assert shapes.value(node_shape, rdflib.RDFS.label) is not None, node_shape
        assert shapes.value(node_shape, rdflib.RDFS.comment) is not None, node_shape
    assert not missing, f"constraints without sh:message or sh:severity in {sorted(set(missing))}"


#: every violating fixture: ``bad.ttl`` and any further ``bad-<case>.ttl`` of a shape
BAD_FIXTURES = sorted(f"{d.name}/{f.name}" for d in FIXTURES.iterdir() if d.is_dir()
                      for f in d.glob("bad*.ttl"))


@pytest.mark.parametrize("inference", ["none", "owlrl"])
@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_good_fixture_conforms(name: str, inference: str, shapes: rdflib.Graph,
                               ontology: rdflib.Graph) -> None:
    """Good data conforms as written and after OWL RL reasoning: the build validates asserted
    plus inferred, so a shape that fires on what reasoning adds (super-classes, inverses,
    chains) would fail the build on good data."""
    data = _graph([FIXTURES / name / "good.ttl"])
    report = validate(data, shapes, ontology=ontology, inference=inference)
    assert report.conforms, report.to_text()
    assert not report.results, report.to_text()  # not even a warning


@pytest.mark.parametrize("fixture", BAD_FIXTURES)
def test_bad_fixture_violates_its_shape(fixture: str, shapes: rdflib.Graph,
                                        ontology: rdflib.Graph) -> None:
    """The fixture's own shape reports it (as a violation, or as a warning for a "should"
    rule); other shapes' results do not count."""
    name = fixture.split("/")[0]
    data = _graph([FIXTURES / fixture])
    report = validate(data, shapes, ontology=ontology)
    mine = [r for r in report.results if r.shape.split("/")[0] == f"aksh:{name}"]
    assert mine, report.to_text()


@pytest.mark.parametrize(("shape", "scheme"), [
    ("StatusValueShape", "status"), ("RankValueShape", "rank"),
    ("LikelihoodValueShape", "likelihood"), ("ArrangementKindValueShape", "arrangement-kind"),
    ("MeetingFormatValueShape", "meeting-format"),
    ("MeetingFrequencyValueShape", "meeting-frequency"),
])
def test_value_lists_match_the_vocabulary(shape: str, scheme: str, shapes: rdflib.Graph,
                                          ontology: rdflib.Graph) -> None:
    """The sh:in lists repeat ontology/vocab.ttl so that user files validate without it: they
    must not drift apart. A concept with narrower ones (akv:not-yet-in-effect) is a super-status
    that reasoning adds as akg:broadStatus: data states the narrower ones only."""
    prop = shapes.value(URIRef(AKSH + shape), SH.property)
    head = shapes.value(prop, SH["in"])
    assert head is not None, f"{shape} has no sh:in list"
    listed = set(rdflib.collection.Collection(shapes, head))
    in_scheme = {c for c in ontology.subjects(SKOS.inScheme, URIRef(AKV + scheme))
                 if (c, SKOS.narrower, None) not in ontology}
    assert listed == in_scheme

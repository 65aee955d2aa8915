"""Validation: conformance semantics, file attribution, renderers, bad shapes, determinism."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from kgfixtures import FIXTURE_REPO, PREFIXES, write
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.knowledge.load import load_files, repo_sources, union_graph
from alliance_kg.knowledge.validate import ValidationReport, path_text, validate, validate_files

AKR = "https://w3id.org/alliance-kg/resource/"
SOURCES = repo_sources(FIXTURE_REPO)


def check(*data: Path, inference: str = "owlrl", shapes: list[Path] | None = None
          ) -> ValidationReport:
    return validate_files([*SOURCES["data"], *data],
                          shapes if shapes is not None else SOURCES["shapes"],
                          ontology_paths=SOURCES["ontology"], inference=inference)


@pytest.fixture
def violating(tmp_path: Path) -> Path:
    # a state without a name (violation), allied with itself (SHACL-SPARQL violation)
    return write(tmp_path / "bad.ttl", PREFIXES + "akr:Atlantis a akg:State ;\n"
                                                  "    akg:alliedWith akr:Atlantis .\n")


def test_warnings_do_not_fail() -> None:
    report = check()
    assert report.conforms
    assert {r.severity for r in report.results} == {SH.Warning}
    # with the ontology's inferences the shapes also see akr:JFHQ as a command
    assert {str(r.focus_node) for r in report.results} == {AKR + "INDOPACOM", AKR + "JFHQ"}
    assert [str(r.focus_node) for r in check(inference="none").results] == [AKR + "INDOPACOM"]


def test_violations_fail_and_name_their_file(violating: Path) -> None:
    report = check(violating)
    assert not report.conforms
    failing = [r for r in report.results if r.fails]
    assert {(r.focus_node, r.component) for r in failing} == {
        (URIRef(AKR + "Atlantis"), SH.MinCountConstraintComponent),
        (URIRef(AKR + "Atlantis"), SH.SPARQLConstraintComponent),
    }
    for r in failing:
        assert r.files == (str(violating),)
    by_component = {r.component: r for r in failing}
    assert by_component[SH.MinCountConstraintComponent].path == "akg:name"
    assert by_component[SH.MinCountConstraintComponent].shape == "aksh:AgentShape/akg:name"
    assert by_component[SH.SPARQLConstraintComponent].message == \
        "A state cannot be allied with itself."
    assert report.counts() == {"violations": 2, "warnings": 2, "infos": 0}


def test_class_constraints_follow_the_ontology_hierarchy(tmp_path: Path) -> None:
    # akg:Alliance is an akg:Organization only through rdfs:subClassOf in the ontology
    data = write(tmp_path / "alliance.ttl", PREFIXES + """
        akr:Quad a akg:Alliance ; akg:name "Quad" .
        akr:JTF a akg:MilitaryCommand ; akg:name "JTF" ; akg:founded "2024-01-01"^^xsd:date ;
            akg:subordinateTo akr:Quad .
    """)
    assert check(data, inference="none").conforms
    without_ontology = validate_files([data], SOURCES["shapes"], inference="none")
    assert any(r.component == SH.ClassConstraintComponent for r in without_ontology.results)


def test_inference_finds_inconsistency(tmp_path: Path) -> None:
    data = write(tmp_path / "clash.ttl", PREFIXES + 'akr:Admiral a akg:State .\n')
    with pytest.raises(KGError) as info:
        check(data)
    assert info.value.kind is ErrorKind.INCONSISTENT


def test_text_report(violating: Path) -> None:
    text = check(violating).to_text()
    lines = text.splitlines()
    assert f"{violating}: Violation: akr:Atlantis akg:name: Every agent has exactly one name " \
           "(a plain string). [aksh:AgentShape/akg:name; sh:MinCountConstraintComponent]" in lines
    assert lines[-1] == "does not conform: 2 violations, 2 warnings, 0 infos"


def test_json_report(violating: Path) -> None:
    doc = json.loads(check(violating).to_json())
    assert doc["conforms"] is False
    assert doc["summary"] == {"violations": 2, "warnings": 2, "infos": 0}
    keys = {"severity", "focusNode", "resultPath", "value", "message", "sourceShape", "shape",
            "sourceConstraintComponent", "files"}
    for result in doc["results"]:
        assert set(result) == keys
        assert result["severity"] in {"Violation", "Warning", "Info"}
        assert result["focusNode"]["type"] in {"uri", "bnode"}
        assert result["sourceConstraintComponent"].startswith(str(SH))
        assert isinstance(result["files"], list)
    atlantis = [x for x in doc["results"] if x["focusNode"]["value"] == AKR + "Atlantis"]
    assert len(atlantis) == 2


def test_junit_report_parses_and_fails_per_shape(violating: Path) -> None:
    root = ET.fromstring(check(violating).to_junit())
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {"aksh:AgentShape", "aksh:CommandShape", "aksh:NoSelfAllianceShape"}
    assert suite.get("tests") == "3" and suite.get("failures") == "2"
    failure = cases["aksh:AgentShape"].find("failure")
    assert failure is not None and "1 violation" in (failure.get("message") or "")
    assert "akr:Atlantis" in (failure.text or "")
    # warnings are shown, but do not fail the case
    command = cases["aksh:CommandShape"]
    assert command.find("failure") is None
    assert "akr:INDOPACOM" in (command.findtext("system-out") or "")


def test_junit_report_of_conforming_data_lists_passing_shapes() -> None:
    root = ET.fromstring(check().to_junit())
    assert root.get("failures") == "0" and root.get("tests") == "3"


def test_turtle_report_is_a_shacl_report(violating: Path) -> None:
    g = Graph().parse(data=check(violating).to_turtle(), format="turtle")
    report = next(g.subjects(RDF.type, SH.ValidationReport))
    assert g.value(report, SH.conforms).toPython() is False
    assert len(list(g.objects(report, SH.result))) == 4


def test_reports_are_deterministic(violating: Path) -> None:
    first, second = check(violating), check(violating)
    for render in ("text", "json", "turtle", "junit"):
        assert first.render(render) == second.render(render)
    with pytest.raises(KGError):
        first.render("html")


@pytest.mark.parametrize(("shape", "words"), [
    ("sh:property [ sh:path akg:name ; sh:minCount \"one\" ]", ["sh:minCount", '"one"']),
    ("sh:property [ sh:path \"name\" ]", ["sh:path"]),
    ("sh:property [ sh:path akg:name ; sh:class \"akg:State\" ]", ["sh:class"]),
    ("sh:sparql [ sh:select \"SELEC $this WHERE { }\" ]",
     ["sh:select query", "line 1, column 1", "SELEC"]),
], ids=["mincount-literal", "path-literal", "class-literal", "sparql-syntax"])
def test_bad_shapes_are_bad_input(tmp_path: Path, shape: str, words: list[str]) -> None:
    shapes = write(tmp_path / "bad-shapes.ttl", PREFIXES + "@prefix aksh: "
                   "<https://w3id.org/alliance-kg/shapes/> .\n"
                   f"aksh:BrokenShape a sh:NodeShape ; sh:targetClass akg:State ;\n  {shape} .\n")
    with pytest.raises(KGError) as info:
        check(shapes=[shapes])
    assert info.value.kind is ErrorKind.BAD_INPUT
    assert "bad shapes" in info.value.message
    for word in words:
        assert word in info.value.message
    # every problem names the shape and its file
    assert "aksh:BrokenShape" in info.value.message
    assert str(shapes) in info.value.message


def test_unknown_inference_is_bad_input() -> None:
    with pytest.raises(KGError) as info:
        validate(Graph(), Graph(), inference="owl-full")
    assert info.value.kind is ErrorKind.BAD_INPUT


def test_graphs_passed_in_are_not_modified() -> None:
    data = union_graph(load_files([FIXTURE_REPO / "data" / "article" / "entities.trig"]))
    shapes = Graph().parse(FIXTURE_REPO / "shapes" / "shapes.ttl")
    ontology = Graph().parse(FIXTURE_REPO / "ontology" / "core.ttl")
    sizes = (len(data), len(shapes), len(ontology))
    validate(data, shapes, ontology=ontology, inference="owlrl")
    assert (len(data), len(shapes), len(ontology)) == sizes


def test_paths_render_as_sparql_property_paths() -> None:
    g = Graph().parse(data=PREFIXES + """
        akr:s1 sh:path [ sh:inversePath akg:subordinateTo ] .
        akr:s2 sh:path ( akg:commands [ sh:zeroOrMorePath akg:subordinateTo ] ) .
        akr:s3 sh:path [ sh:alternativePath ( akg:name [ sh:oneOrMorePath akg:locatedIn ] ) ] .
    """, format="turtle")
    texts = [path_text(g, g.value(URIRef(AKR + s), SH.path)) for s in ("s1", "s2", "s3")]
    assert texts == ["^akg:subordinateTo", "akg:commands/(akg:subordinateTo*)",
                     "akg:name|(akg:locatedIn+)"]

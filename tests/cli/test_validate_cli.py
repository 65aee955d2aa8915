"""``alliance-kg validate``: exit codes 0/1/2, report formats, files, stdin."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import rdflib
from clifixtures import Run
from kgfixtures import PREFIXES, write
from rdflib.namespace import SH

NAMELESS = PREFIXES + "akr:Atlantis a akg:State .\n"


def test_project_data_conforms(cli: Run) -> None:
    done = cli("validate")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "conforms: 0 violations, 2 warnings, 0 infos"
    assert lines[0].startswith("data/article/claims.trig, data/article/entities.trig: Warning: "
                               "akr:JFHQ akg:founded")
    assert cli("validate", "--inference", "none").stdout.splitlines()[-1] == \
        "conforms: 0 violations, 1 warning, 0 infos"


def test_violations_exit_1(cli: Run, repo: Path) -> None:
    bad = write(repo / "mine.ttl", NAMELESS)
    done = cli("validate", str(bad))
    assert done.returncode == 1
    assert f"{bad}: Violation: akr:Atlantis akg:name: Every agent has exactly one name" \
        in done.stdout
    assert done.stdout.splitlines()[-1] == "does not conform: 1 violation, 0 warnings, 0 infos"
    assert done.stdout == cli("validate", str(bad)).stdout  # deterministic


def test_sources_are_required_of_the_project_data_and_on_request_of_files(
        cli: Run, repo: Path) -> None:
    """The project's data must say where each triple comes from (as the build requires);
    someone else's FILES need not, unless they ask."""
    loose = PREFIXES + 'akr:Atlantis a akg:State ; akg:name "Atlantis" .\n'
    mine = write(repo / "mine.ttl", loose)
    assert cli("validate", str(mine)).returncode == 0
    asked = cli("validate", "--require-sources", str(mine))
    assert asked.returncode == 1
    assert (f"{mine}: Violation: akr:Atlantis akg:name: this triple is in the default graph "
            "of its file") in asked.stdout
    write(repo / "data" / "extra.ttl", loose)
    project = cli("validate", "--format", "json")
    assert project.returncode == 1
    found = [r for r in json.loads(project.stdout)["results"]
             if r["shape"] == "aksh:SourcedTriple"]
    assert {r["resultPath"] for r in found} == {"rdf:type", "akg:name"}
    assert all(r["files"] == ["data/extra.ttl"] for r in found)
    assert cli("validate", "--no-require-sources").returncode == 0


def test_relative_paths_are_reported_as_given(cli: Run, repo: Path) -> None:
    write(repo / "mine.ttl", NAMELESS)
    assert "mine.ttl: Violation: akr:Atlantis" in cli("validate", "mine.ttl").stdout


def test_inconsistency_exits_1(cli: Run, repo: Path) -> None:
    bad = write(repo / "clash.ttl", PREFIXES + "akr:Admiral a akg:State ; akg:name \"A\" .\n"
                                               "akr:x akg:commands akr:y .\nakr:Admiral "
                                               "akg:commands akr:USFJ .\n")
    done = cli("validate", str(bad))
    assert done.returncode == 1
    assert "contradicts the ontology" in done.stderr and "akr:Admiral" in done.stderr
    # the clash names the file that describes the clashing resource, as a SHACL result does
    assert done.stderr.startswith(f"alliance-kg: error: {bad}: ")


def test_inconsistency_across_files_names_each_file(cli: Run, repo: Path) -> None:
    """A pre-commit hook validates many files at once: a clash between two of them must say
    which, and must not blame the ontology or a file that has no part in it."""
    one = write(repo / "one.ttl", PREFIXES + "akr:Admiral a akg:State .\n")
    write(repo / "two.ttl", PREFIXES + "akr:Admiral akg:commands akr:USFJ .\n")
    other = write(repo / "other.ttl", PREFIXES + "akr:Elsewhere a akg:State .\n")
    done = cli("validate", str(one), "two.ttl", str(other))
    assert done.returncode == 1
    assert f"(described in {one}, two.ttl)" in done.stderr
    assert "other.ttl" not in done.stderr and "ontology" not in done.stderr.split("(")[-1]


def test_malformed_file_exits_2_with_position(cli: Run, repo: Path) -> None:
    bad = write(repo / "broken.ttl", PREFIXES + "akr:a akg:name \"unterminated .\n")
    done = cli("validate", str(bad))
    assert done.returncode == 2
    assert done.stderr.startswith(f"alliance-kg: error: {bad}:7:")
    assert done.stdout == ""


def test_unreadable_file_exits_2(cli: Run, repo: Path) -> None:
    done = cli("validate", str(repo / "missing.ttl"))
    assert done.returncode == 2
    assert "missing.ttl: no such file" in done.stderr


def test_bad_shapes_exit_2(cli: Run, repo: Path) -> None:
    shapes = write(repo / "shapes.ttl", PREFIXES + "<https://w3id.org/alliance-kg/shapes/S> "
                   "a sh:NodeShape ; sh:targetClass akg:State ;\n"
                   "  sh:property [ sh:path akg:name ; sh:maxCount \"1\" ] .\n")
    done = cli("validate", "--shapes", str(shapes))
    assert done.returncode == 2
    assert "bad shapes" in done.stderr and "sh:maxCount" in done.stderr


def test_no_shapes_is_bad_input(cli: Run, repo: Path) -> None:
    (repo / "shapes" / "shapes.ttl").unlink()
    done = cli("validate")
    assert done.returncode == 2 and "no shapes" in done.stderr


def test_json_report(cli: Run, repo: Path) -> None:
    bad = write(repo / "mine.ttl", NAMELESS)
    done = cli("validate", "--format", "json", str(bad))
    assert done.returncode == 1
    doc = json.loads(done.stdout)
    assert doc["conforms"] is False and doc["summary"]["violations"] == 1
    assert doc["results"][0]["files"] == [str(bad)]
    assert done.stderr == "alliance-kg: does not conform: 1 violation, 0 warnings, 0 infos\n"


def test_junit_report_to_a_file(cli: Run, repo: Path, tmp_path: Path) -> None:
    write(repo / "data" / "extra.ttl", NAMELESS)
    report = tmp_path / "reports" / "shacl.xml"
    done = cli("validate", "--format", "junit", "--output", str(report))
    assert done.returncode == 1 and done.stdout == ""
    root = ET.parse(report).getroot()
    failures = {case.get("name"): case.find("failure") for case in root.iter("testcase")
                if case.find("failure") is not None}
    # the nameless state, and (a file's default graph) its missing source
    assert root.get("failures") == "2" and set(failures) == {"aksh:AgentShape",
                                                             "aksh:SourcedTriple"}
    assert "data/extra.ttl: Violation: akr:Atlantis akg:name" in (
        failures["aksh:AgentShape"].text or "")  # type: ignore[union-attr]
    assert "data/extra.ttl: Violation: akr:Atlantis rdf:type" in (
        failures["aksh:SourcedTriple"].text or "")  # type: ignore[union-attr]


def test_turtle_report(cli: Run, repo: Path) -> None:
    done = cli("validate", "--format", "turtle", str(write(repo / "mine.ttl", NAMELESS)))
    g = rdflib.Graph().parse(data=done.stdout, format="turtle")
    assert len(list(g.subjects(rdflib.RDF.type, SH.ValidationResult))) == 1


def test_stdin(cli: Run) -> None:
    done = cli("validate", "--input-format", "turtle", "-", stdin=NAMELESS)
    assert done.returncode == 1
    assert "<stdin>: Violation: akr:Atlantis" in done.stdout
    done = cli("validate", "-", stdin=NAMELESS)
    assert done.returncode == 2 and "<stdin>" in done.stderr


def test_other_rdf_formats(cli: Run, repo: Path) -> None:
    g = rdflib.Graph().parse(data=NAMELESS, format="turtle")
    path = repo / "mine.jsonld"
    path.write_text(g.serialize(format="json-ld"), encoding="utf-8")
    assert cli("validate", str(path)).returncode == 1

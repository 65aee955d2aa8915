"""``alliance-kg new-source`` and the per-source lines of ``alliance-kg validate`` (issue 14),
on a copy of this checkout and the invented fixture text of tests/knowledge/fixtures/sources/."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from alliance_kg.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "knowledge" / "fixtures" / "sources" / "fixture-second-source.txt"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / folder, repo / folder)
    return repo


def test_new_source_writes_the_scaffold_and_validate_reports_the_uncovered_sentences(
        project: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(main, ["new-source", str(FIXTURE), "--root", str(project)])
    assert done.exit_code == 0, done.output
    written = project / "data" / "sources" / "fixture-second-source.trig"
    assert written.is_file()
    assert "wrote akr:fixture-second-source with 4 sentences" in done.stderr
    # a second run refuses to overwrite what a curator may have filled in
    again = runner.invoke(main, ["new-source", str(FIXTURE), "--root", str(project)])
    assert again.exit_code == 1 and "--force" in again.stderr
    checked = runner.invoke(main, ["validate", "--root", str(project)])
    # the scaffold names no author: the shapes ask the curator for one
    assert checked.exit_code == 1
    assert "akr:fixture-second-source dcterms:creator: An article needs a dcterms:creator" \
        in checked.stdout
    assert ("alliance-kg: source akr:fixture-second-source: 4 of 4 sentences carry no fact: "
            "akr:fixture-second-source-s01, akr:fixture-second-source-s02, "
            "akr:fixture-second-source-s03, akr:fixture-second-source-s04") in checked.stderr
    assert "alliance-kg: source akr:article-maslow-2024: every one of its 35 sentences " \
           "carries a fact" in checked.stderr


def test_validate_reports_a_conflict_between_sources_with_both_quotes(project: Path) -> None:
    runner = CliRunner()
    out = project / "data" / "sources" / "second.trig"
    done = runner.invoke(main, ["new-source", str(FIXTURE), "--name", "second", "-o", str(out),
                                "--author", "sebastian-maslow", "--root", str(project)])
    assert done.exit_code == 0, done.output
    out.write_text(out.read_text(encoding="utf-8") + """
akr:second-s03 {
    akr:scc-2024-07-28 akg:date "2024-07-29"^^xsd:date ; akg:dateEnd "2024-07-29"^^xsd:date ;
        akg:datePrecision akv:day ; akg:dateAsStated "2024-07-29"^^xsd:date .
}
""", encoding="utf-8")
    checked = runner.invoke(main, ["validate", "--root", str(project)])
    assert checked.exit_code == 1  # the meeting now has two dates: the shapes say so too
    assert "alliance-kg: conflict: akr:scc-2024-07-28 akg:date:" in checked.stderr
    assert "2024-07-28  (akr:article-maslow-2024-s03: \u201cOn 28 July 2024," in checked.stderr
    assert "2024-07-29  (akr:second-s03: \u201cOn 29 July 2024," in checked.stderr
    assert "source akr:second: 3 of 4 sentences carry no fact" in checked.stderr

    # the same per-source lines in the JSON and JUnit reports, for a CI job that reads files
    as_json = runner.invoke(main, ["validate", "--format", "json", "--root", str(project)])
    doc = json.loads(as_json.stdout)
    second = next(src for src in doc["sources"] if src["source"] == "akr:second")
    assert second["sentences"] == 4 and len(second["withoutFacts"]) == 3
    conflict, = doc["conflicts"]
    assert (conflict["subject"], conflict["property"]) == ("akr:scc-2024-07-28", "akg:date")
    assert {v["sentence"] for v in conflict["values"]} == {"akr:article-maslow-2024-s03",
                                                           "akr:second-s03"}
    junit = ET.fromstring(runner.invoke(main, ["validate", "--format", "junit", "--root",
                                               str(project)]).stdout)
    suite = next(s for s in junit if s.get("name") == "sources")
    assert suite.get("failures") == "0"
    names = [case.get("name") for case in suite]
    assert "source akr:second" in names and "conflict akr:scc-2024-07-28 akg:date" in names
    out = next(c for c in suite if c.get("name") == "source akr:second").find("system-out")
    assert out is not None and (out.text or "").startswith("3 of 4 sentences carry no fact")


def test_bad_input_exits_2(project: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(main, ["new-source", str(project / "missing.txt"),
                                "--root", str(project)])
    assert done.exit_code == 2 and "no such file" in done.stderr
    done = runner.invoke(main, ["new-source", str(FIXTURE), "--name", "Bad Name",
                                "--root", str(project)])
    assert done.exit_code == 2 and "bad source name" in done.stderr
    assert not (project / "data" / "sources").exists()

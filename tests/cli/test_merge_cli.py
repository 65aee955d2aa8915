"""``alliance-kg merge`` as a user runs it: a subprocess on a copy of the real knowledge files.

The issue's "done when": merge the shipped Wikidata-style fixture with one command, answer a
question that needs both graphs with ``alliance-kg query``, read the report with its conflicts.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from clifixtures import run_cli
from kgfixtures import REAL_REPO, copy_knowledge

EXTERNAL = Path(__file__).resolve().parents[1] / "knowledge" / "fixtures" / "external"
WIKIDATA = EXTERNAL / "wikidata-excerpt.ttl"
DBPEDIA = EXTERNAL / "dbpedia-excerpt.nt"
RESEARCH = EXTERNAL / "research-group.jsonld"
DBPEDIA_GRAPH = "https://w3id.org/alliance-kg/graph/source/dbpedia-excerpt"
NATO_PARTNERS = """SELECT DISTINCT ?partner WHERE {
  ?arrangement akg:hasParty akr:japan, ?partner . FILTER(?partner != akr:japan)
  ?partner skos:exactMatch ?item .
  GRAPH ?source { ?item wdt:P463 wd:Q7184 } }"""


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target: Path = copy_knowledge(REAL_REPO, tmp_path_factory.mktemp("merge") / "repo")
    return target


def merged_file(root: Path) -> Path:
    return root / "dist" / "alliance-kg.merged.nq"


def test_merge_then_query_answers_a_question_needing_both_graphs(root: Path) -> None:
    before = run_cli("query", "--format", "csv", NATO_PARTNERS, root=root)
    assert before.returncode == 0, before.stderr
    assert before.stdout.strip().splitlines() == ["partner"]

    done = run_cli("merge", str(WIKIDATA), root=root)
    assert done.returncode == 0, done.stderr
    assert f"merged {WIKIDATA} into" in done.stdout
    assert "akr:united-states = wd:Q30" in done.stdout
    # no progress lines when standard error is not a terminal: only the summary
    assert done.stderr.strip().splitlines() == [
        "alliance-kg: 1 source(s) merged into dist/alliance-kg.merged.nq; 0 conflict(s)"]

    after = run_cli("query", "--format", "csv", NATO_PARTNERS, root=root)
    assert after.returncode == 0, after.stderr
    assert after.stdout.strip().splitlines() == [
        "partner", "https://w3id.org/alliance-kg/resource/united-states"]


def test_json_report_names_both_sources_of_each_conflict_and_stdin_gz_replaces(
        root: Path, tmp_path: Path) -> None:
    done = run_cli("merge", str(DBPEDIA), str(RESEARCH), "--report", "json", root=root)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    conflicts = {(c["subject"], c["property"]): c["values"] for c in report["conflicts"]}
    quad = conflicts[("https://w3id.org/alliance-kg/resource/quad", "founding date")]
    assert [v["value"] for v in quad] == ["2007", "2017-11-12"]
    assert str(DBPEDIA) in quad[0]["sources"][0] and str(RESEARCH) in quad[1]["sources"][0]
    assert report["validation"]["conforms"] is False  # the rank conflict violates PostShape
    size = merged_file(root).stat().st_size

    # the same DBpedia data again on standard input into the same graph: replaced
    again = run_cli("merge", "-", "--graph", DBPEDIA_GRAPH, "--format", "ntriples",
                    "--report", "json", root=root, stdin=DBPEDIA.read_text())
    assert again.returncode == 0, again.stderr
    source = json.loads(again.stdout)["sources"][0]
    assert (source["graph"], source["source"], source["replaced"], source["triples"]) == \
        (DBPEDIA_GRAPH, "<stdin>", True, 11)
    # and once more gzipped: the format is read through the .gz
    gz = tmp_path / "dbpedia-excerpt.nt.gz"
    gz.write_bytes(gzip.compress(DBPEDIA.read_bytes()))
    again = run_cli("merge", str(gz), "--report", "json", root=root)
    assert again.returncode == 0, again.stderr
    source = json.loads(again.stdout)["sources"][0]
    assert (source["graph"], source["format"], source["replaced"], source["triples"]) == \
        (DBPEDIA_GRAPH, "ntriples", True, 11)
    # one graph per source: the file did not grow by a second copy (only its catalogue changed)
    assert abs(merged_file(root).stat().st_size - size) < 200

    strict = run_cli("merge", "--strict", root=root)
    assert strict.returncode == 1
    assert "founding date" in strict.stderr and "--strict" in strict.stderr


def test_bad_input_exits_2_with_file_line_column_and_changes_nothing(root: Path,
                                                                     tmp_path: Path) -> None:
    merged_file(root).parent.mkdir(parents=True, exist_ok=True)
    before = merged_file(root).read_bytes() if merged_file(root).exists() else None
    bad = tmp_path / "bad.jsonld"
    bad.write_text('{\n  "@id": "http://example.org/x",\n  "http://schema.org/name": "x",,\n}\n')
    done = run_cli("merge", str(bad), root=root)
    assert done.returncode == 2
    assert f"{bad}:3:" in done.stderr, done.stderr
    unknown = run_cli("merge", str(tmp_path / "data.txt"), root=root)
    assert unknown.returncode == 2
    stdin = run_cli("merge", "-", "--format", "turtle", root=root, stdin="")
    assert stdin.returncode == 2 and "--graph" in stdin.stderr
    after = merged_file(root).read_bytes() if merged_file(root).exists() else None
    assert after == before


def test_drop_removes_a_source_and_joins_the_rest_again(root: Path) -> None:
    wikidata = "https://w3id.org/alliance-kg/graph/source/wikidata-excerpt"
    if wikidata not in merged_file(root).read_text():  # when run alone
        assert run_cli("merge", str(WIKIDATA), root=root).returncode == 0
    done = run_cli("merge", "--drop", wikidata, "--report", "json", root=root)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == f"alliance-kg: dropped <{wikidata}>"
    graphs = json.loads(done.stdout)["graphs"]
    assert wikidata not in graphs
    assert "https://w3id.org/alliance-kg/graph/joined" in graphs
    assert wikidata not in merged_file(root).read_text()
    after = run_cli("query", "--format", "csv", NATO_PARTNERS, root=root)
    assert after.stdout.strip().splitlines() == ["partner"]
    again = run_cli("merge", "--drop", wikidata, root=root)
    assert again.returncode == 2 and "no merged source" in again.stderr


def test_service_usage_errors_exit_2_before_sending_anything(root: Path) -> None:
    # nothing listens on port 9 of 127.0.0.1: had anything been sent, the exit would be 3
    both = run_cli("merge", str(WIKIDATA), str(DBPEDIA), "--service", "http://127.0.0.1:9",
                   root=root)
    assert both.returncode == 2 and "one SOURCE per call" in both.stderr
    stdin = run_cli("merge", "-", "--service", "http://127.0.0.1:9", root=root, stdin="")
    assert stdin.returncode == 2 and "--graph" in stdin.stderr
    away = run_cli("merge", str(WIKIDATA), "--service", "http://127.0.0.1:9", root=root)
    assert away.returncode == 3 and "cannot reach" in away.stderr

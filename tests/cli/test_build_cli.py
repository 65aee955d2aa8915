"""``alliance-kg build``: exit codes, output file, counts, determinism."""

from __future__ import annotations

from pathlib import Path

from clifixtures import Run
from kgfixtures import PREFIXES, write


def test_build_writes_the_dataset_and_prints_counts(cli: Run, repo: Path) -> None:
    done = cli("build")
    assert done.returncode == 0, done.stderr
    out = repo / "dist" / "alliance-kg.trig"
    assert out.exists()
    lines = done.stdout.splitlines()
    # 23 data triples and 44 of the build's views (vocabulary labels, direct types; issue 14)
    assert ["akgraph:asserted", "67", "triples"] in [line.split() for line in lines]
    assert any(line.strip().startswith("akr:sentence-1") for line in lines)
    # the last lines say what was written: the dataset, then the ontology documentation
    assert lines[-2:] == ["wrote dist/alliance-kg.trig", "wrote dist/ontology.html"]
    assert done.stderr == ""  # no progress chatter when standard error is not a terminal

    first = out.read_bytes()
    assert cli("build").returncode == 0
    assert out.read_bytes() == first


def test_build_output_option(cli: Run, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "kg.trig"
    done = cli("build", "--output", str(target))
    assert done.returncode == 0 and target.exists()


def test_inconsistent_data_exits_1_and_writes_nothing(cli: Run, repo: Path) -> None:
    write(repo / "data" / "article" / "clash.ttl", PREFIXES + "akr:Admiral a akg:State .\n")
    done = cli("build")
    assert done.returncode == 1
    assert done.stderr.startswith("alliance-kg: error: the data contradicts the ontology")
    assert "akr:Admiral" in done.stderr
    assert not (repo / "dist" / "alliance-kg.trig").exists()


def test_violations_exit_1_naming_the_file(cli: Run, repo: Path) -> None:
    write(repo / "data" / "article" / "nameless.ttl", PREFIXES + "akr:Atlantis a akg:State .\n")
    done = cli("build")
    assert done.returncode == 1
    assert "data/article/nameless.ttl: Violation: akr:Atlantis akg:name" in done.stderr
    assert cli("build", "--no-validate").returncode == 0


def test_parse_error_exits_2_with_file_line_column(cli: Run, repo: Path) -> None:
    write(repo / "data" / "article" / "entities.ttl", PREFIXES + "akr:a akg:name \"x\" ;\n"
                                                             "    akg:name \"y\" akr:b .\n")
    done = cli("build")
    assert done.returncode == 2
    assert done.stderr.startswith("alliance-kg: error: data/article/entities.ttl:8:18: ")

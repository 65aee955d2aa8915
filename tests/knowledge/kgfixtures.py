"""Shared paths and helpers of the knowledge and CLI tests (imported by both conftests).

``fixtures/repo`` is a miniature checkout (ontology/, data/article/, shapes/) with one axiom of
each kind the reasoner must handle: a transitive property (``akg:subordinateTo``), its inverse
(``akg:hasSubordinate``), a symmetric property (``akg:alliedWith``), a property chain
(``akg:hostState``), domains/ranges, a class hierarchy and a disjointness axiom.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from alliance_kg.knowledge.load import repo_sources

HERE = Path(__file__).resolve().parent
FIXTURE_REPO = HERE / "fixtures" / "repo"
#: the checkout whose real knowledge files are tested (another one can be named, e.g. to try the
#: real-repository tests on a branch's files: ALLIANCE_KG_TEST_REAL_REPO=/path/to/checkout)
REAL_REPO = Path(os.environ.get("ALLIANCE_KG_TEST_REAL_REPO") or HERE.parent.parent)

PREFIXES = """\
@prefix akg: <https://w3id.org/alliance-kg/ontology/> .
@prefix akr: <https://w3id.org/alliance-kg/resource/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def real_repo_missing(root: Path = REAL_REPO, *, need_shapes: bool = False) -> str | None:
    """Why the real knowledge files cannot be tested yet, or None when they are there."""
    sources = repo_sources(root)
    missing = [k for k in ("ontology", "data") + (("shapes",) if need_shapes else ())
               if not sources[k]]
    if missing:
        return f"the repository's {', '.join(m + '/' for m in missing)} has no files yet"
    return None


def copy_knowledge(source: Path, target: Path) -> Path:
    """Copy ontology/, data/ and shapes/ of a checkout (nothing else) to ``target``."""
    for folder in ("ontology", "data", "shapes"):
        if (source / folder).is_dir():
            shutil.copytree(source / folder, target / folder,
                            ignore=shutil.ignore_patterns("__pycache__"))
    return target


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path

"""Incremental vs full SHACL validation of a one-entity write, at 10^4 … 10^6 generated triples.

    .venv/bin/python bench/incremental_shacl.py --sizes 10000 100000 1000000 --repeats 50

For each size: ``alliance-kg generate`` data, its fast OWL 2 RL closure, the repository's
ontology and shapes. A write inserts one entity (an akg:State with an English label, plus the
types reasoning adds to it) and the next write deletes it again; each is validated with
``validate_change`` over the unmodified graphs (no copy). The full validation is
``validate.validate`` of asserted + inferred + ontology, as the write path runs it today.
Prints one JSON object per size and a Markdown table (p50/p99 in ms; full: median of
``--full-repeats``, skipped above ``--max-full``).
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "service"))

from alliance_kg.knowledge.generate import generate  # noqa: E402
from alliance_kg.knowledge.incremental_shacl import (  # noqa: E402
    affected_focus_nodes,
    prepare_shapes,
    validate_change,
)
from alliance_kg.knowledge.load import load_files, repo_sources, union_graph  # noqa: E402
from alliance_kg.knowledge.reason import infer  # noqa: E402
from alliance_kg.knowledge.validate import validate  # noqa: E402
from alliance_kg.namespaces import AKG  # noqa: E402


def _load(paths: list[Path]) -> Graph:
    return union_graph(load_files(paths)) if paths else Graph()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(size: int, repeats: int, full_repeats: int, max_full: int) -> dict[str, object]:
    sources = repo_sources(ROOT)
    ontology, shapes = _load(sources["ontology"]), _load(sources["shapes"])
    buf = io.StringIO()
    generate(size, 1, buf)
    asserted = Graph().parse(data=buf.getvalue(), format="nt")
    inferred = infer(asserted, ontology, semantics="owlrl-fast")
    prepared = prepare_shapes(shapes)
    graphs = [asserted, inferred]

    inserts: list[float] = []
    deletes: list[float] = []
    focus_sizes: set[int] = set()
    for i in range(repeats):
        node = URIRef(f"https://w3id.org/alliance-kg/resource/bench-state-{i}")
        entity = Graph()
        entity.add((node, RDF.type, AKG.State))
        entity.add((node, RDFS.label, Literal(f"Bench state {i}", lang="en")))
        # the union's delta: what the entity and its consequences add to data + ontology
        change = {t for t in set(entity) | set(infer(entity, ontology, semantics="owlrl-fast"))
                  if t not in asserted and t not in inferred and t not in ontology}
        for t in change:
            asserted.add(t)  # the write path would put the inferred ones in inferred
        t0 = time.perf_counter()
        report = validate_change(graphs, prepared, ontology, change, ())
        inserts.append((time.perf_counter() - t0) * 1000)
        assert report.conforms, report.to_text()
        focus_sizes.add(len(affected_focus_nodes(graphs, prepared, ontology, change, ())))
        for t in change:
            asserted.remove(t)
        t0 = time.perf_counter()
        report = validate_change(graphs, prepared, ontology, (), change)
        deletes.append((time.perf_counter() - t0) * 1000)
        assert report.conforms, report.to_text()

    full: list[float] = []
    if len(asserted) + len(inferred) <= max_full:
        for _ in range(full_repeats):
            t0 = time.perf_counter()
            report = validate(asserted + inferred, shapes, ontology=ontology)
            full.append((time.perf_counter() - t0) * 1000)
        assert report.conforms, report.summary()
    return {
        "size": size, "asserted": len(asserted), "inferred": len(inferred),
        "ontology": len(ontology), "repeats": repeats, "affected_nodes": sorted(focus_sizes),
        "insert_p50_ms": round(statistics.median(inserts), 2),
        "insert_p99_ms": round(_percentile(inserts, 0.99), 2),
        "delete_p50_ms": round(statistics.median(deletes), 2),
        "delete_p99_ms": round(_percentile(deletes, 0.99), 2),
        "full_median_ms": round(statistics.median(full), 1) if full else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--repeats", type=int, default=50)
    ap.add_argument("--full-repeats", type=int, default=3)
    ap.add_argument("--max-full", type=int, default=2_000_000,
                    help="skip the full validation above this many data triples")
    args = ap.parse_args()
    rows = []
    for size in args.sizes:
        row = run(size, args.repeats, args.full_repeats, args.max_full)
        print(json.dumps(row), flush=True)
        rows.append(row)
    print("\n| generated triples | asserted + inferred | insert p50 / p99 ms | "
          "delete p50 / p99 ms | full validation ms |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        full = r["full_median_ms"]
        print(f"| {r['size']:,} | {int(str(r['asserted'])) + int(str(r['inferred'])):,} | "
              f"{r['insert_p50_ms']} / {r['insert_p99_ms']} | "
              f"{r['delete_p50_ms']} / {r['delete_p99_ms']} | "
              f"{'—' if full is None else f'{full:,}'} |")


if __name__ == "__main__":
    main()

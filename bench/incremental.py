"""Incremental OWL 2 RL maintenance beside a full recomputation, on generated data.

For each size: generate the data (``alliance-kg generate``'s generator), time one full
recomputation (``fastreason.inferred``, what a write re-ran before) and the initial
:class:`~alliance_kg.knowledge.incremental.Materialization`, then insert one new entity (a joint
command with a label, reporting to an existing command) and delete it again, ``--repeats`` times,
and report p50/p99 of each. Prints a Markdown table (for docs/BENCHMARKS.md) and, with
``--json``, the raw figures.

    .venv/bin/python bench/incremental.py --sizes 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import statistics
import sys
import time
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Literal, URIRef

from alliance_kg.knowledge import fastreason
from alliance_kg.knowledge.generate import BASE, generate
from alliance_kg.knowledge.incremental import Materialization
from alliance_kg.knowledge.load import load_files, repo_sources, union_graph
from alliance_kg.namespaces import AKG

ROOT = Path(__file__).resolve().parents[1]


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def entity(i: int, boss: int) -> set[tuple[URIRef, URIRef, URIRef | Literal]]:
    e = URIRef(f"{BASE}bench-command-{i}")
    return {(e, RDF.type, AKG.JointCommand), (e, RDFS.label, Literal(f"Bench {i}", lang="en")),
            (e, AKG.reportsTo, URIRef(f"{BASE}command-{boss}"))}


def measure(n: int, repeats: int, ontology: Graph) -> dict[str, float | int | str]:
    out = io.StringIO()
    generate(n, 1, out)
    data = Graph().parse(data=out.getvalue(), format="nt")
    commands = sum(1 for _ in data.subjects(RDF.type, AKG.JointCommand))
    started = time.perf_counter()
    reference = fastreason.inferred(data, ontology)
    full = time.perf_counter() - started
    started = time.perf_counter()
    m = Materialization(ontology, data)
    build = time.perf_counter() - started
    assert len(m) == len(reference), "the materialization is fastreason's inferred graph"
    asserted, inferred = len(data), len(m)
    del data, reference, out
    gc.collect()
    inserts: list[float] = []
    deletes: list[float] = []
    appeared = 0
    for i in range(repeats):
        triples = entity(i, (i * 7919) % max(commands, 1))
        started = time.perf_counter()
        change = m.apply(added=triples)
        inserts.append(time.perf_counter() - started)
        started = time.perf_counter()
        gone = m.apply(removed=triples)
        deletes.append(time.perf_counter() - started)
        assert not change.full and not gone.full and change.appeared == gone.disappeared
        appeared += len(change.appeared)
    return {
        "triples": asserted, "inferred": inferred, "path": m.path,
        "full_s": full, "build_s": build,
        "insert_p50_ms": statistics.median(inserts) * 1e3,
        "insert_p99_ms": percentile(inserts, 0.99) * 1e3,
        "delete_p50_ms": statistics.median(deletes) * 1e3,
        "delete_p99_ms": percentile(deletes, 0.99) * 1e3,
        "inferred_per_entity": appeared / repeats,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="also print the raw figures")
    args = parser.parse_args()
    ontology = union_graph(load_files(repo_sources(ROOT)["ontology"]))
    fastreason.schema_of(ontology)  # the ontology's own closure is cached; not a write's cost
    rows = []
    for n in args.sizes:
        row = measure(n, args.repeats, ontology)
        rows.append(row)
        print(f"measured {n}: {row}", file=sys.stderr)
    print("| asserted triples | inferred | full recomputation (fastreason) | initial "
          "materialization | insert one entity p50 / p99 | delete it p50 / p99 | "
          "inferred per entity |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['triples']:,} | {r['inferred']:,} | {r['full_s']:.2f} s | "
              f"{r['build_s']:.2f} s | {r['insert_p50_ms']:.2f} / {r['insert_p99_ms']:.2f} ms | "
              f"{r['delete_p50_ms']:.2f} / {r['delete_p99_ms']:.2f} ms | "
              f"{r['inferred_per_entity']:.0f} |")
    if args.json:
        print(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

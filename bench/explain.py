"""Explaining inferred statements with 10^6 triples loaded: the latency of one proof.

Generates the data (``alliance-kg generate``'s generator), computes its inferred graph
(``fastreason.inferred``, as the build's ``owlrl-fast``), loads asserted, inferred and ontology
into an embedded Oxigraph store (the service's default), with the article's dataset beside them
so that proofs of the article's statements end in quoted sentences, then explains a random sample
of inferred statements, each timed:

* ``library``: :func:`alliance_kg.protocol.explain.explain_in` with the ontology index cached
  (as the service caches it per store generation), plus ``Proof.to_json()``;
* ``http``: ``GET /explain`` through the Flask app in process (parameters, negotiation, ETag,
  JSON), i.e. everything but the socket.

Prints a Markdown table (for docs/BENCHMARKS.md) and, with ``--json``, the raw figures.

    .venv/bin/python bench/explain.py --size 1000000 --samples 2000 --cache /tmp/explain-1m.nq

``--cache`` keeps the loaded dataset, so a second run measures again without the minutes of
generating and reasoning. ``library_cpu`` is the process time of the same calls: on a shared
machine it shows the work, where the wall-clock figures also show the neighbours.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.term import Node

from alliance_kg.config import Settings
from alliance_kg.formats import BY_KEY
from alliance_kg.knowledge import fastreason
from alliance_kg.knowledge.generate import generate
from alliance_kg.knowledge.load import load_files, repo_sources, union_graph
from alliance_kg.namespaces import ASSERTED, INFERRED, ONTOLOGY
from alliance_kg.protocol.explain import axioms_of, explain_in
from alliance_kg.store.oxigraph import OxigraphStore
from alliance_kg.web import create_app

ROOT = Path(__file__).resolve().parents[1]


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def summary(xs: list[float]) -> dict[str, float]:
    ms = [x * 1000 for x in xs]
    return {"p50": percentile(ms, 0.5), "p95": percentile(ms, 0.95),
            "p99": percentile(ms, 0.99), "max": max(ms), "mean": statistics.fmean(ms)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--cache", default=None, type=Path,
                    help="an N-Quads file keeping the loaded dataset: reused when it exists "
                         "(the sample is then drawn from its inferred graph)")
    args = ap.parse_args()

    say = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    store = OxigraphStore()  # in memory, as the service runs by default
    rng = random.Random(args.seed)
    if args.cache is not None and args.cache.exists():
        say(f"loading {args.cache}")
        store.load(args.cache.read_bytes(), BY_KEY["nquads"])
        population = [t for t in store.graph_view(str(INFERRED))
                      if not isinstance(t[0], Literal)]
    else:
        population = build(store, args.size, args.seed, say)
        if args.cache is not None:
            args.cache.write_bytes(store.dump(BY_KEY["nquads"]))
    inferred_count = len(population)
    total = store.count(None) + sum(store.count(g) for g in store.graph_names())
    say(f"store: {total} triples in {len(store.graph_names())} graphs")
    sample = rng.sample(population, min(args.samples, len(population)))
    del population
    gc.collect()

    axioms = axioms_of(store)
    lib: list[float] = []
    cpu: list[float] = []
    nodes: list[int] = []
    rules: dict[str, int] = {}
    for t in sample:
        started, busy = time.perf_counter(), time.process_time()
        proof = explain_in(store, t, axioms=axioms)
        proof.to_json()
        lib.append(time.perf_counter() - started)
        cpu.append(time.process_time() - busy)
        nodes.append(len(proof.nodes))
        assert proof.status == "inferred", t
        for n in proof.nodes.values():
            for st in n.steps:
                rules[st.rule] = rules.get(st.rule, 0) + 1

    client = create_app(Settings(), store).test_client()
    http: list[float] = []
    for t in sample:
        o = t[2].n3() if isinstance(t[2], Literal) else str(t[2])
        started = time.perf_counter()
        r = client.get("/explain", query_string={"s": str(t[0]), "p": str(t[1]), "o": o})
        http.append(time.perf_counter() - started)
        assert r.status_code == 200, r.get_data(as_text=True)

    result = {"size": args.size, "store_triples": total, "inferred": inferred_count,
              "samples": len(sample), "library_ms": summary(lib),
              "library_cpu_ms": summary(cpu), "http_ms": summary(http),
              "proof_nodes": {"mean": statistics.fmean(nodes), "max": max(nodes)},
              "rules": dict(sorted(rules.items(), key=lambda kv: -kv[1]))}
    print("| path | samples | p50 ms | p95 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name in ("library", "library_cpu", "http"):
        s = result[f"{name}_ms"]
        assert isinstance(s, dict)
        print(f"| {name} | {len(sample)} | {s['p50']:.2f} | {s['p95']:.2f} | {s['p99']:.2f} "
              f"| {s['max']:.2f} |")
    if args.json:
        print(json.dumps(result, indent=2))


def build(store: OxigraphStore, size: int, seed: int, say: Callable[[str], None]
          ) -> list[tuple[Node, Node, Node]]:
    """Generate, reason, load; the inferred statements with a non-literal subject."""
    ontology = union_graph(load_files(repo_sources(ROOT)["ontology"]))
    out = io.StringIO()
    generate(size, seed, out)
    nt = out.getvalue()
    del out
    started = time.perf_counter()
    data = Graph().parse(data=nt, format="nt")
    say(f"parsed {len(data)} triples in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    inferred = fastreason.inferred(data, ontology)
    say(f"inferred {len(inferred)} triples in {time.perf_counter() - started:.1f} s")
    del data
    nt_format = BY_KEY["ntriples"]
    store.load(nt.encode(), nt_format, str(ASSERTED))
    store.load(inferred.serialize(format="nt", encoding="utf-8"), nt_format, str(INFERRED))
    store.load(ontology.serialize(format="nt", encoding="utf-8"), nt_format, str(ONTOLOGY))
    article = ROOT / "dist" / "alliance-kg.trig"
    if article.exists():
        store.load(article.read_bytes(), BY_KEY["trig"])
    return [t for t in inferred if not isinstance(t[0], Literal)]


if __name__ == "__main__":
    main()

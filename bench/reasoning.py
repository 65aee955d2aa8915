"""Closure time of the OWL 2 RL reasoning at growing sizes: owlrl (the reference) and, when
installed, the `reasonable` reasoner (Rust), on generated data plus the ontology.

    .venv-bench/bin/python bench/reasoning.py 10000 30000 100000 [--budget 600]

Prints one row per size: triples, owlrl seconds, inferred triples, and reasonable's seconds and
whether its inferences, after our noise filter, equal owlrl's. A size whose owlrl run would
exceed the budget is skipped with the extrapolated time.
"""

from __future__ import annotations

import argparse
import io
import platform
import time
from pathlib import Path

import rdflib

from alliance_kg.knowledge.generate import generate
from alliance_kg.knowledge.reason import infer

ROOT = Path(__file__).resolve().parents[1]


def ontology() -> rdflib.Graph:
    g = rdflib.Graph()
    for p in sorted((ROOT / "ontology").glob("*.ttl")):
        g.parse(p, format="turtle")
    return g


def data(n: int) -> rdflib.Graph:
    out = io.StringIO()
    generate(n, 1, out)
    return rdflib.Graph().parse(data=out.getvalue(), format="nt")


def with_reasonable(asserted: rdflib.Graph, onto: rdflib.Graph) -> tuple[float, set[tuple]] | None:
    try:
        import reasonable
    except ImportError:
        return None
    started = time.perf_counter()
    r = reasonable.PyReasoner()
    r.from_graph(asserted + onto)
    closure = r.reason()
    seconds = time.perf_counter() - started
    return seconds, set(closure)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("sizes", nargs="+", type=int)
    ap.add_argument("--budget", type=float, default=600.0, help="seconds one owlrl run may take")
    args = ap.parse_args()
    onto = ontology()
    print(f"# {platform.processor() or platform.machine()}, {platform.python_version()}, "
          f"rdflib {rdflib.__version__}, ontology {len(onto)} triples")
    print("triples\towlrl_s\tinferred\treasonable_s\tsame_as_owlrl")
    last: tuple[int, float] | None = None
    for n in args.sizes:
        g = data(n)
        if last is not None:
            # owlrl grows faster than linearly; assume quadratic for the estimate
            estimate = last[1] * (len(g) / last[0]) ** 2
            if estimate > args.budget:
                print(f"{len(g)}\t~{estimate:.0f} (skipped: over budget)\t\t\t")
                continue
        started = time.perf_counter()
        inferred = infer(g, onto)
        seconds = time.perf_counter() - started
        last = (len(g), seconds)
        fast = with_reasonable(g, onto)
        if fast is None:
            print(f"{len(g)}\t{seconds:.2f}\t{len(inferred)}\t-\t-")
            continue
        fast_seconds, closure = fast
        ours = set(inferred)
        missing = {t for t in ours if t not in closure}
        print(f"{len(g)}\t{seconds:.2f}\t{len(inferred)}\t{fast_seconds:.2f}\t"
              f"{'yes' if not missing else f'no ({len(missing)} of ours missing)'}")


if __name__ == "__main__":
    main()

"""Full-text search (issue 15) at scale: index build time and size, ``/search`` latency, and a
SPARQL query joining a text hit with two triple patterns beside the same query written with a
regex FILTER, on our service and on ``oxigraph serve`` (the regex form: it has no text index).

    nice -n 10 .venv/bin/python bench/search.py --size 1000000 [--repeats 300]

The dataset is the built one plus ``--size`` generated triples (``alliance-kg generate``).
In this process: the index is built from an embedded store holding it (seconds, rows, memory)
and one-entity writes are applied to it (what each write adds to the write path). Then, from
one client, each request with a different text (so no answer comes from a cache): ``/search``
over a mix of names, prefixes as typed, typos and sentence words; the SPARQL join; the regex
form on both servers. Prints Markdown tables for docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import requests

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import endpoints  # type: ignore[import-not-found,no-redef]
else:
    from . import endpoints

SEARCH_PREFIX = "PREFIX search: <https://w3id.org/alliance-kg/search#>\n"
AKG = "PREFIX akg: <https://w3id.org/alliance-kg/ontology/>\n"
RDFS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
GEN = "https://w3id.org/alliance-kg/resource/gen/"


def percentile(xs: list[float], q: float) -> float:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def texts(rng: random.Random, n: int, commands: int) -> list[str]:
    """What people type: whole names, names being typed, typos, words of sentences/claims."""
    out = []
    for i in range(n):
        k = rng.randrange(commands)
        out.append([f"Command {k}", f"comm {k}", f"comand {k}", f"Person {k // 3}",
                    f"commander of command {k}", f"synthetic sentence 2 of article {k // 3}",
                    f"framework {k // 3} will", "Comm", f"transfr {k // 3}",
                    f"Meeting {k // 3}"][i % 10])
    return out


def join_query(k: int) -> str:
    return (SEARCH_PREFIX + AKG + "SELECT ?cmd ?boss ?state WHERE {\n"
            f"  SERVICE <https://w3id.org/alliance-kg/search> {{ ?cmd search:query \"command "
            f"{k}\" ; search:kind \"entity\" ; search:limit 20 }}\n"
            "  ?cmd akg:reportsTo ?boss .\n  ?cmd akg:location ?state .\n}")


def regex_query(k: int) -> str:
    return (AKG + RDFS + "SELECT ?cmd ?boss ?state WHERE {\n"
            f"  ?cmd rdfs:label ?label . FILTER(regex(?label, \"^command {k}\", \"i\"))\n"
            "  ?cmd akg:reportsTo ?boss .\n  ?cmd akg:location ?state .\n}")


def timed_requests(send: Callable[[int], requests.Response], n: int) -> dict[str, float]:
    times = []
    for i in range(n):
        start = time.perf_counter()
        r = send(i)
        times.append((time.perf_counter() - start) * 1000)
        r.raise_for_status()
    return {"p50_ms": statistics.median(times), "p99_ms": percentile(times, 0.99),
            "max_ms": max(times), "n": float(n)}


def in_process(path: Path) -> dict[str, float]:
    """Index build from an embedded store, its size, and one-entity writes applied to it."""
    from alliance_kg.protocol.search import Query, SearchIndex
    from alliance_kg.store.oxigraph import OxigraphStore

    store = OxigraphStore()
    store.ox.bulk_load(path=str(path), format=ox.RdfFormat.TRIG)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    index = SearchIndex.build(store)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {"build_s": index.build_seconds, "rows": float(index.size()),
           "rss_growth_mib": after - before}
    graph = ox.NamedNode("https://w3id.org/alliance-kg/graph/asserted")
    rdfs_label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    state = ox.NamedNode("https://w3id.org/alliance-kg/ontology/State")
    adds, removes = [], []
    for i in range(300):
        s = ox.NamedNode(f"{GEN}bench-{i}")
        quads = [ox.Quad(s, rdf_type, state, graph),
                 ox.Quad(s, rdfs_label, ox.Literal(f"Bench state {i}", language="en"), graph),
                 ox.Quad(s, rdfs_label, ox.Literal(f"ベンチ{i}", language="ja"), graph)]
        start = time.perf_counter()
        index.apply((), quads, ())
        adds.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        index.apply(quads, (), ())
        removes.append((time.perf_counter() - start) * 1000)
        index.apply((), quads, ())
    assert index.search(Query("bench state 42"))[0].iri == f"{GEN}bench-42"
    out.update(insert_p50_ms=statistics.median(adds), insert_p99_ms=percentile(adds, 0.99),
               delete_p50_ms=statistics.median(removes),
               delete_p99_ms=percentile(removes, 0.99))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--in-process-only", action="store_true",
                        help="Only the index build and the writes applied to it.")
    args = parser.parse_args()
    rng = random.Random(15)
    commands = max(30, args.size // 30)  # roughly how many the generator makes
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        built = endpoints.ROOT / "dist" / "alliance-kg.trig"
        dist = work / "dist"
        path = endpoints.scaled_dataset(built, args.size, dist)
        local = in_process(path)
        print(f"in process: {local}", flush=True)
        if args.in_process_only:
            return
        port = endpoints.free_port()
        ours = endpoints.Server("alliance-kg", [str(endpoints.BIN / "alliance-kg"), "serve",
                                                "--port", str(port)],
                                f"http://127.0.0.1:{port}/sparql",
                                env={"ALLIANCE_KG_DIST_DIR": str(dist)})
        started = time.perf_counter()
        ours.start(work / "ours.log")
        base = ours.url.rsplit("/", 1)[0]
        results: dict[str, dict[str, float]] = {}
        try:
            up = time.perf_counter() - started
            requests.get(base + "/search", params={"q": "warm up"}, timeout=600
                         ).raise_for_status()
            ready = time.perf_counter() - started
            results["start"] = {"sparql_ready_s": up, "search_ready_s": ready}
            qs = texts(rng, args.repeats, commands)
            results["/search"] = timed_requests(lambda i: requests.get(
                base + "/search", params={"q": qs[i], "limit": "10"}, timeout=60),
                args.repeats)
            ks = [rng.randrange(commands) for _ in range(args.repeats)]
            accept = {"Accept": "application/sparql-results+json"}
            results["join (search)"] = timed_requests(lambda i: requests.post(
                ours.url, data={"query": join_query(ks[i])}, headers=accept, timeout=60),
                args.repeats)
            regex_n = max(10, args.repeats // 10)
            results["join (regex)"] = timed_requests(lambda i: requests.post(
                ours.url, data={"query": regex_query(ks[i])}, headers=accept, timeout=600),
                regex_n)
            results["memory"] = ours.memory()
        finally:
            ours.stop()
        oxigraph = endpoints.oxigraph_command()
        if oxigraph:
            peer = work / "peer.nq"
            endpoints.peer_dataset(path, peer)
            port = endpoints.free_port()
            server = endpoints.Server("oxigraph serve", [
                oxigraph, "serve", "--location", str(work / "ox"), "--bind",
                f"127.0.0.1:{port}"], f"http://127.0.0.1:{port}/query", load=peer)
            server.start(work / "ox.log")
            try:
                results["oxigraph serve: join (regex)"] = timed_requests(
                    lambda i: requests.post(server.url, data={"query": regex_query(ks[i])},
                                            headers=accept, timeout=600), regex_n)
            finally:
                server.stop()
    load = os.getloadavg()
    print(f"\nsize +{args.size:,} generated triples; load average {load[0]:.2f} "
          f"{load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} CPUs")
    print(f"index build (in process): {local['build_s']:.2f} s for {local['rows']:,.0f} text "
          f"rows, +{local['rss_growth_mib']:.0f} MiB RSS; one-entity write applied: insert "
          f"p50 {local['insert_p50_ms']:.2f} ms p99 {local['insert_p99_ms']:.2f} ms, delete "
          f"p50 {local['delete_p50_ms']:.2f} ms p99 {local['delete_p99_ms']:.2f} ms")
    print(f"service: SPARQL ready {results['start']['sparql_ready_s']:.1f} s, /search ready "
          f"{results['start']['search_ready_s']:.1f} s after start; memory "
          f"{results['memory']}")
    print("\n| measure | requests | p50 (ms) | p99 (ms) | max (ms) |")
    print("| --- | --- | --- | --- | --- |")
    for key, r in results.items():
        if "p50_ms" in r:
            print(f"| {key} | {r['n']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
                  f"{r['max_ms']:.1f} |")


if __name__ == "__main__":
    main()

"""Writes, side by side in one run: our service (reasoning and validation on, as shipped)
against a raw ``oxigraph serve`` holding the same quads, at several dataset sizes.

    .venv/bin/python bench/writes.py --sizes 10000,100000 [--repeats 30] [--post 10000]

Per size: the built dataset plus N generated triples (``alliance-kg generate``) is served by
``alliance-kg serve --allow-update`` and loaded into ``oxigraph serve``. Then, from one client:
the first write (ours builds its materialization then), one-entity ``INSERT DATA`` and
``DELETE DATA`` into the default graph (p50/p99 over ``--repeats``), a Graph Store ``POST`` of
``--post`` generated triples into a new graph and then into the default graph (ours reasons
and validates there), and a ``/merge`` of the same triples as a source
(the peer, which has no merge, loads them with a Graph Store ``POST``). Prints a Markdown table
with the ratios.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import endpoints  # type: ignore[import-not-found,no-redef]
else:
    from . import endpoints

TOKEN = "bench-token"
AKR = "https://w3id.org/alliance-kg/resource/"
AKG = "https://w3id.org/alliance-kg/ontology/"


def entity(i: int) -> str:
    """A state that joins an existing alliance: 3 asserted triples, a few inferred."""
    return (f"<{AKR}bench-state-{i}> a <{AKG}State> ; "
            f"<http://www.w3.org/2000/01/rdf-schema#label> \"Bench state {i}\"@en ; "
            f"<{AKG}memberOf> <{AKR}quad> .")


def percentile(xs: list[float], q: float) -> float:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return (time.perf_counter() - start) * 1000


def run_writes(update_url: str, store_url: str, headers: dict[str, str], repeats: int,
               post: bytes, merge_url: str | None = None) -> dict[str, float]:
    def update(text: str) -> None:
        r = requests.post(update_url, data={"update": text}, headers=headers, timeout=600)
        if r.status_code >= 400:
            raise RuntimeError(f"{r.status_code}: {r.text[:2000]}")

    out: dict[str, float] = {}
    out["first_write_ms"] = timed(lambda: update(f"INSERT DATA {{ {entity(0)} }}"))
    inserts, deletes = [], []
    for i in range(1, repeats + 1):
        inserts.append(timed(lambda i=i: update(f"INSERT DATA {{ {entity(i)} }}")))
        deletes.append(timed(lambda i=i: update(f"DELETE DATA {{ {entity(i)} }}")))
    out["insert_p50_ms"] = statistics.median(inserts)
    out["insert_p99_ms"] = percentile(inserts, 0.99)
    out["delete_p50_ms"] = statistics.median(deletes)
    out["delete_p99_ms"] = percentile(deletes, 0.99)

    def gsp_post() -> None:
        r = requests.post(store_url, params={"graph": f"{AKR}bench-graph"}, data=post,
                          headers={**headers, "Content-Type": "application/n-triples"},
                          timeout=3600)
        r.raise_for_status()

    out["gsp_post_ms"] = timed(gsp_post)

    def gsp_post_default() -> None:
        # into the default graph (ours: the asserted graph, so reasoned over and validated)
        r = requests.post(store_url, params={"default": ""}, data=post,
                          headers={**headers, "Content-Type": "application/n-triples"},
                          timeout=3600)
        r.raise_for_status()

    out["gsp_post_default_ms"] = timed(gsp_post_default)

    def merge() -> None:
        # the peer has no merge: the closest it does is a Graph Store POST of the same triples
        url, params = ((merge_url, {"graph": f"{AKR}bench-source"}) if merge_url else
                       (store_url, {"graph": f"{AKR}bench-source"}))
        r = requests.post(url, params=params, data=post,
                          headers={**headers, "Content-Type": "application/n-triples"},
                          timeout=3600)
        r.raise_for_status()

    out["merge_ms"] = timed(merge)
    return out


def generated(n: int) -> bytes:
    """New generated entities: their IRIs are renamed apart from those the dataset holds."""
    from alliance_kg.knowledge.generate import BASE, generate

    text = io.StringIO()
    generate(n, 7, text)
    return text.getvalue().replace(BASE, BASE + "posted-").encode()


def measure(size: int, repeats: int, post_size: int, work: Path) -> dict[str, dict[str, float]]:
    built = endpoints.ROOT / "dist" / "alliance-kg.trig"
    dist = work / f"dist-{size}"
    path = endpoints.scaled_dataset(built, size, dist)
    peer = work / f"peer-{size}.nq"
    endpoints.peer_dataset(path, peer)
    post = generated(post_size)
    results: dict[str, dict[str, float]] = {}
    port = endpoints.free_port()
    ours = endpoints.Server("alliance-kg", [str(endpoints.BIN / "alliance-kg"), "serve",
                                            "--allow-update", "--port", str(port)],
                            f"http://127.0.0.1:{port}/sparql",
                            env={"ALLIANCE_KG_DIST_DIR": str(dist), "ALLIANCE_KG_TOKEN": TOKEN,
                                 # bulk writes are measured: no 10 MiB body limit
                                 "ALLIANCE_KG_MAX_BODY_BYTES": str(1 << 30)})
    ours.start(work / f"ours-{size}.log")
    try:
        results["alliance-kg"] = run_writes(
            ours.url, ours.url.rsplit("/", 1)[0] + "/rdf-graph-store",
            {"Authorization": f"Bearer {TOKEN}"}, repeats, post,
            merge_url=ours.url.rsplit("/", 1)[0] + "/merge")
    finally:
        ours.stop()
    oxigraph = endpoints.oxigraph_command()
    if oxigraph:
        port = endpoints.free_port()
        peer_server = endpoints.Server("oxigraph serve", [
            oxigraph, "serve", "--location", str(work / f"ox-{size}"), "--bind",
            f"127.0.0.1:{port}"], f"http://127.0.0.1:{port}/query", load=peer)
        peer_server.start(work / f"ox-{size}.log")
        try:
            base = f"http://127.0.0.1:{port}"
            results["oxigraph serve"] = run_writes(base + "/update", base + "/store", {},
                                                   repeats, post)
        finally:
            peer_server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--post", type=int, default=10_000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            found = measure(size, args.repeats, args.post, Path(tmp))
            ours, peer = found["alliance-kg"], found.get("oxigraph serve")
            for key in ("first_write_ms", "insert_p50_ms", "insert_p99_ms", "delete_p50_ms",
                        "delete_p99_ms", "gsp_post_ms", "gsp_post_default_ms", "merge_ms"):
                theirs = peer[key] if peer else float("nan")
                rows.append(f"| {size:,} | {key} | {ours[key]:.1f} | {theirs:.1f} | "
                            f"{ours[key] / theirs:.1f}x |")
                print(rows[-1], flush=True)
    print("| + generated triples | measure | alliance-kg (ms) | oxigraph serve (ms) | ratio |")
    print("| --- | --- | --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()

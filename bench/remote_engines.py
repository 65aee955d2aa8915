"""The embedded store against Virtuoso 7 behind the remote store, at scale (issue 16).

    nice -n 10 .venv/bin/python bench/remote_engines.py [--triples 1000000] [--rounds 5]

Data: the built dataset plus ``--triples`` generated triples (``alliance-kg generate``) in the
asserted graph, as one N-Quads file. Each engine loads it as an operator would: the embedded
Oxigraph store through ``Store.load`` into a directory (what ``serve --store-path`` holds), in
a child process of its own so its memory is its own; Virtuoso by its bulk loader (``ld_dir`` +
``rdf_loader_run``, docs/STORES.md "Moving to your own engine"), on a throw-away database with
a buffer pool of ``--virtuoso-buffers`` 8 KiB pages. Then every competency question
(queries/*.rq) over the protocol's dataset (asserted + inferred) is asked ``--rounds`` times
of each, through the ``Store`` interface (query + JSON serialization, no HTTP of ours), after
checking that both give the same answer. Memory: peak RSS (VmHWM) of the embedded store's
process and of ``virtuoso-t``. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "store"))
ASSERTED = "https://w3id.org/alliance-kg/graph/asserted"
INFERRED = "https://w3id.org/alliance-kg/graph/inferred"


def vm_hwm_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def dataset(triples: int, out: Path) -> int:
    from alliance_kg.config import Settings
    from alliance_kg.knowledge.build import ensure_built
    from alliance_kg.knowledge.generate import generate

    built = ensure_built(Settings.from_env({}, root=ROOT))
    text = io.StringIO()
    generate(triples, 0, text)
    quads = list(ox.parse(path=str(built), format=ox.RdfFormat.TRIG))
    graph = ox.NamedNode(ASSERTED)
    quads += [ox.Quad(t.subject, t.predicate, t.object, graph)
              for t in ox.parse(text.getvalue().encode(), format=ox.RdfFormat.N_TRIPLES)]
    with out.open("wb") as f:
        ox.serialize(quads, f, format=ox.RdfFormat.N_QUADS)
    return len(quads)


def questions() -> list[tuple[str, str]]:
    return [(p.stem[:2], p.read_text(encoding="utf-8"))
            for p in sorted((ROOT / "queries").glob("*.rq"))]


def ask_all(store: object, rounds: int) -> tuple[dict[str, object], list[float]]:
    from alliance_kg.formats import BY_KEY

    answers: dict[str, object] = {}
    times: list[float] = []
    for r in range(rounds + 1):  # round 0 warms up and records the answers
        for name, sparql in questions():
            t = time.perf_counter()
            body = store.query(sparql, default_graphs=[ASSERTED, INFERRED]  # type: ignore[attr-defined]
                               ).serialize(BY_KEY["json"])
            if r:
                times.append(time.perf_counter() - t)
            else:
                answers[name] = canon(body)
    return answers, times


def canon(body: bytes) -> object:
    data = json.loads(body)
    if "boolean" in data:
        return data["boolean"]
    return sorted(json.dumps({k: (v if v["type"] != "bnode" else "b") for k, v in b.items()},
                             sort_keys=True) for b in data["results"]["bindings"])


def embedded_child(data: Path, db: Path, rounds: int) -> None:
    """In a process of its own: load into an Oxigraph directory, ask, print JSON."""
    from alliance_kg.formats import BY_KEY
    from alliance_kg.store.oxigraph import OxigraphStore

    store = OxigraphStore(str(db))
    t = time.perf_counter()
    store.load(data.read_bytes(), BY_KEY["nquads"])
    load_s = time.perf_counter() - t
    answers, times = ask_all(store, rounds)
    print(json.dumps({"load_s": load_s, "answers": answers, "times": times,
                      "rss_mib": vm_hwm_mib(os.getpid())}))


def summary(times: list[float]) -> dict[str, float]:
    ms = sorted(t * 1000 for t in times)
    return {"p50_ms": round(statistics.median(ms), 2),
            "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 2),
            "max_ms": round(ms[-1], 2)}


def virtuoso_only(triples: int, rounds: int, buffers: int) -> None:
    """Nothing of the data in our memory: ``alliance-kg generate -o`` streams N-Triples to a
    file, Virtuoso's bulk loader puts them in the asserted graph beside the built dataset."""
    from virtuoso_server import PASSWORD, start_virtuoso

    from alliance_kg.config import Settings
    from alliance_kg.knowledge.build import ensure_built

    out: dict[str, object] = {"generated": triples, "rounds": rounds, "buffers": buffers}
    with tempfile.TemporaryDirectory(prefix="akg-engines-") as tmp_name:
        tmp = Path(tmp_name)
        data = tmp / "virtuoso" / "import"
        data.mkdir(parents=True)
        t = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "alliance-kg"), "generate",
                        str(triples), "-o", str(data / "generated.nt")], check=True)
        out["generate_s"] = round(time.perf_counter() - t, 1)
        out["file_mib"] = round((data / "generated.nt").stat().st_size / 2**20, 1)
        built = ox.parse(path=str(ensure_built(Settings.from_env({}, root=ROOT))),
                         format=ox.RdfFormat.TRIG)
        with (data / "built.nq").open("wb") as f:
            ox.serialize(built, f, format=ox.RdfFormat.N_QUADS)
        server = start_virtuoso(tmp / "virtuoso", buffers=buffers, timeout=600)
        try:
            t = time.perf_counter()
            subprocess.run(["isql-vt", str(server.sql_port), "dba", PASSWORD,
                            f"exec=ld_dir('{data}', 'built.nq', "
                            "'urn:x-alliance-kg:default-graph'); "
                            f"ld_dir('{data}', 'generated.nt', '{ASSERTED}'); "
                            "rdf_loader_run(); checkpoint;"], check=True, capture_output=True)
            out["bulk_load_s"] = round(time.perf_counter() - t, 1)
            store = server.store(timeout=600)
            out["asserted_plus_inferred"] = sum(store.count(g) for g in [ASSERTED, INFERRED])
            _, times = ask_all(store, rounds)
            out.update(summary(times))
            assert server.proc is not None
            out["peak_rss_mib"] = round(vm_hwm_mib(server.proc.pid))
            slowest = sorted(zip([n for _ in range(rounds) for n, _ in questions()], times,
                                 strict=True), key=lambda x: -x[1])[:3]
            out["slowest"] = [(n, round(s * 1000)) for n, s in slowest]
            store.close()
        finally:
            server.stop()
    print(json.dumps(out, indent=1))


def embedded_bulk_only(triples: int, rounds: int) -> None:
    """The embedded engine at a size our ``Store.load`` cannot take here: pyoxigraph's
    ``bulk_load`` streams the generated file into an on-disk store; this process's peak RSS."""
    from alliance_kg.config import Settings
    from alliance_kg.knowledge.build import ensure_built
    from alliance_kg.store.oxigraph import OxigraphStore

    out: dict[str, object] = {"generated": triples, "rounds": rounds}
    with tempfile.TemporaryDirectory(prefix="akg-engines-") as tmp_name:
        tmp = Path(tmp_name)
        subprocess.run([str(Path(sys.executable).parent / "alliance-kg"), "generate",
                        str(triples), "-o", str(tmp / "generated.nt")], check=True)
        db = ox.Store(str(tmp / "db"))
        t = time.perf_counter()
        db.bulk_load(path=str(ensure_built(Settings.from_env({}, root=ROOT))),
                     format=ox.RdfFormat.TRIG)
        db.bulk_load(path=str(tmp / "generated.nt"), format=ox.RdfFormat.N_TRIPLES,
                     to_graph=ox.NamedNode(ASSERTED))
        db.flush()
        out["bulk_load_s"] = round(time.perf_counter() - t, 1)
        del db
        store = OxigraphStore(str(tmp / "db"))
        out["asserted_plus_inferred"] = sum(store.count(g) for g in [ASSERTED, INFERRED])
        _, times = ask_all(store, rounds)
        out.update(summary(times))
        out["peak_rss_mib"] = round(vm_hwm_mib(os.getpid()))
        slowest = sorted(zip([n for _ in range(rounds) for n, _ in questions()], times,
                             strict=True), key=lambda x: -x[1])[:3]
        out["slowest"] = [(n, round(s * 1000)) for n, s in slowest]
        store.close()
    print(json.dumps(out, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--virtuoso-buffers", type=int, default=170_000)  # 1.3 GiB
    parser.add_argument("--virtuoso-only", action="store_true",
                        help="generate to a file (streaming) and measure Virtuoso alone: the "
                             "size the embedded load cannot reach on this machine")
    parser.add_argument("--embedded-bulk-only", action="store_true",
                        help="the same streamed file into the embedded store by pyoxigraph's "
                             "bulk_load (not Store.load), then the questions through Store")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        embedded_child(Path(args.child[0]), Path(args.child[1]), args.rounds)
        return
    if args.virtuoso_only:
        virtuoso_only(args.triples, args.rounds, args.virtuoso_buffers)
        return
    if args.embedded_bulk_only:
        embedded_bulk_only(args.triples, args.rounds)
        return

    from virtuoso_server import PASSWORD, start_virtuoso

    out: dict[str, object] = {"generated": args.triples, "rounds": args.rounds}
    with tempfile.TemporaryDirectory(prefix="akg-engines-") as tmp_name:
        tmp = Path(tmp_name)
        t = time.perf_counter()
        data = tmp / "virtuoso" / "import" / "dump.nq"
        data.parent.mkdir(parents=True)
        out["quads"] = dataset(args.triples, data)
        out["generate_s"] = round(time.perf_counter() - t, 1)
        out["file_mib"] = round(data.stat().st_size / 2**20, 1)

        done = subprocess.run([sys.executable, __file__, "--rounds", str(args.rounds),
                               "--child", str(data), str(tmp / "oxigraph")],
                              check=True, capture_output=True, text=True)
        embedded = json.loads(done.stdout)

        server = start_virtuoso(tmp / "virtuoso", buffers=args.virtuoso_buffers, timeout=600)
        try:
            t = time.perf_counter()
            subprocess.run(["isql-vt", str(server.sql_port), "dba", PASSWORD,
                            f"exec=ld_dir('{data.parent}', 'dump.nq', "
                            "'urn:x-alliance-kg:default-graph'); rdf_loader_run(); "
                            "checkpoint;"], check=True, capture_output=True)
            virtuoso_load = time.perf_counter() - t
            store = server.store(timeout=600)
            count = sum(store.count(g) for g in [ASSERTED, INFERRED])
            answers, times = ask_all(store, args.rounds)
            assert server.proc is not None
            virtuoso_rss = vm_hwm_mib(server.proc.pid)
            store.close()
        finally:
            server.stop()
    differ = sorted(k for k in answers if answers[k] != embedded["answers"].get(k))
    out["embedded"] = {"load_s": round(embedded["load_s"], 1), **summary(embedded["times"]),
                       "peak_rss_mib": round(embedded["rss_mib"])}
    out["virtuoso"] = {"bulk_load_s": round(virtuoso_load, 1), **summary(times),
                       "peak_rss_mib": round(virtuoso_rss), "asserted_plus_inferred": count}
    out["answers_differ"] = differ
    slowest = sorted(zip([n for _ in range(args.rounds) for n, _ in questions()], times,
                         strict=True), key=lambda x: -x[1])[:3]
    out["virtuoso_slowest"] = [(n, round(s * 1000)) for n, s in slowest]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

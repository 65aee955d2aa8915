"""Reasoning and validation on the engine against in process, on a remote store (issue 16).

    nice -n 10 .venv/bin/python bench/pushdown.py --engine virtuoso --triples 1000000
        [--skip-process] [--virtuoso-buffers 170000]

Data: the built dataset plus ``--triples`` generated triples (``alliance-kg generate -o``,
streamed to a file) in the asserted graph, bulk-loaded with the engine's own loader (``oxigraph
load`` before ``oxigraph serve`` starts; Virtuoso's ``ld_dir`` + ``rdf_loader_run``), so nothing
of the data passes through this process. Then, each in a child process of its own so that its
peak RSS (VmHWM) is its own: ``pushdown.derive(where="engine")`` (closure as SPARQL updates,
validation with server-side targets) and ``pushdown.derive(where="process")`` (the dataset read
into Python, the fast reasoner and validator, the inferred graph written back). The two inferred
graphs are compared on the server (triples of one missing from the other, both ways: must be 0)
and the two reports by their text. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "store"))
ASSERTED = "https://w3id.org/alliance-kg/graph/asserted"
INFERRED = "https://w3id.org/alliance-kg/graph/inferred"
KEPT = "urn:x-alliance-kg:bench:engine-inferred"


def vm_hwm_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def store_for(spec: dict[str, str]) -> object:
    from alliance_kg.store.dialects import dialect
    from alliance_kg.store.remote import RemoteStore

    return RemoteStore(spec["query"], spec["update"], timeout=3600,
                       dialect=dialect(spec["dialect"]), user=spec.get("user"),
                       password=spec.get("password"),
                       auth_scheme=spec.get("auth"))


def child(spec: dict[str, str], where: str) -> None:
    """One rebuild, in a process of its own; prints its figures."""
    from alliance_kg.store import pushdown

    store = store_for(spec)
    started = time.perf_counter()
    cpu = time.process_time()
    outcome = pushdown.derive(store, where=where)  # type: ignore[arg-type]
    report = outcome.report
    text = report.to_text() if report is not None else ""
    print(json.dumps({
        "where": where, "reasoned_on": outcome.reasoned_on,
        "validated_on": outcome.validated_on, "why": outcome.why,
        "wall_s": round(time.perf_counter() - started, 1),
        "cpu_s": round(time.process_time() - cpu, 1),
        "seconds": {k: round(v, 1) for k, v in outcome.stats.seconds.items()},
        "rounds": outcome.stats.rounds, "requests": outcome.stats.requests,
        "inferred": outcome.stats.inferred, "focus_nodes": outcome.stats.focus_nodes,
        "fetched": outcome.stats.fetched,
        "conforms": report.conforms if report is not None else None,
        "results": len(report.results) if report is not None else None,
        "report_sha": hashlib.sha256(text.encode()).hexdigest()[:16],
        "peak_rss_mib": round(vm_hwm_mib(os.getpid())),
    }))


def run_child(spec: dict[str, str], where: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec), where],
                          capture_output=True, text=True)
    if done.returncode:  # recorded, so that the other path's figures are not lost with it
        return {"where": where, "failed": done.stderr.strip().splitlines()[-1][:300]}
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def count(spec: dict[str, str], sparql: str) -> int:
    store = store_for(spec)
    rows = list(store._select(sparql))  # type: ignore[attr-defined]
    return int(rows[0]["n"].value)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["oxigraph", "virtuoso"], default="oxigraph")
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--virtuoso-buffers", type=int, default=170_000)  # 1.3 GiB
    parser.add_argument("--skip-process", action="store_true",
                        help="measure the engine side alone (sizes the in-process path "
                             "cannot take here)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child[0]), args.child[1])
        return

    import pyoxigraph as ox

    from alliance_kg.config import Settings
    from alliance_kg.knowledge.build import ensure_built

    out: dict[str, object] = {"engine": args.engine, "generated": args.triples,
                              "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="akg-pushdown-") as tmp_name:
        tmp = Path(tmp_name)
        data = tmp / "import"
        data.mkdir()
        subprocess.run([str(Path(sys.executable).parent / "alliance-kg"), "generate",
                        str(args.triples), "-o", str(data / "generated.nt")], check=True,
                       capture_output=True)
        built = ox.parse(path=str(ensure_built(Settings.from_env({}, root=ROOT))),
                         format=ox.RdfFormat.TRIG)
        with (data / "built.nq").open("wb") as f:
            ox.serialize(built, f, format=ox.RdfFormat.N_QUADS)
        server: object
        t = time.perf_counter()
        if args.engine == "virtuoso":
            from virtuoso_server import PASSWORD, USER, start_virtuoso

            vserver = start_virtuoso(tmp / "virtuoso", buffers=args.virtuoso_buffers,
                                     timeout=3600)
            server = vserver
            subprocess.run(["isql-vt", str(vserver.sql_port), "dba", PASSWORD,
                            f"exec=ld_dir('{data}', 'built.nq', "
                            "'urn:x-alliance-kg:default-graph'); "
                            f"ld_dir('{data}', 'generated.nt', '{ASSERTED}'); "
                            "rdf_loader_run(); checkpoint;"], check=True, capture_output=True)
            spec = {"query": vserver.query_url, "update": vserver.update_url,
                    "dialect": "virtuoso", "user": USER, "password": PASSWORD,
                    "auth": "digest"}
            pid = vserver.proc.pid if vserver.proc else 0
        else:
            from oxigraph_server import free_port, oxigraph_command

            db = str(tmp / "db")
            subprocess.run([oxigraph_command(), "load", "--location", db, "--file",
                            str(data / "built.nq")], check=True, capture_output=True)
            subprocess.run([oxigraph_command(), "load", "--location", db, "--file",
                            str(data / "generated.nt"), "--graph", ASSERTED], check=True,
                           capture_output=True)
            port = free_port()
            proc = subprocess.Popen([oxigraph_command(), "serve", "--location", db, "--bind",
                                     f"127.0.0.1:{port}", "--timeout-s", "3600"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            server = proc
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    requests.get(base + "/query", params={"query": "ASK {}"}, timeout=2)
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)
            spec = {"query": base + "/query", "update": base + "/update",
                    "dialect": "sparql11"}
            pid = proc.pid
        out["bulk_load_s"] = round(time.perf_counter() - t, 1)
        try:
            out["asserted"] = count(spec, "SELECT (COUNT(*) AS ?n) WHERE "
                                          f"{{ GRAPH <{ASSERTED}> {{ ?s ?p ?o }} }}")
            out["engine_side"] = run_child(spec, "engine")
            out["engine_rss_after_engine_side_mib"] = round(vm_hwm_mib(pid))
            if not args.skip_process:
                from alliance_kg.store import pushdown

                # pushdown's own update: the store's would put Virtuoso's default-graph
                # prologue before it, under which GRAPH <iri> in a WHERE matches nothing
                engine = pushdown._Engine(store_for(spec), pushdown.Stats(),  # type: ignore[arg-type]
                                          lambda _m: None)
                engine.update(f"DROP SILENT GRAPH <{KEPT}> ; INSERT {{ GRAPH <{KEPT}> "
                              f"{{ ?s ?p ?o }} }} WHERE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} }}")
                out["kept"] = engine.count(KEPT)
                out["in_process"] = run_child(spec, "process")
                missing = ("SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{a}> {{ ?s ?p ?o }} "
                           "FILTER NOT EXISTS {{ GRAPH <{b}> {{ ?s ?p ?o }} }} }}")
                if "failed" in out["in_process"]:  # type: ignore[operator]
                    raise SystemExit(json.dumps(out, indent=1))
                out["only_engine"] = count(spec, missing.format(a=KEPT, b=INFERRED))
                out["only_process"] = count(spec, missing.format(a=INFERRED, b=KEPT))
                e, p = out["engine_side"], out["in_process"]
                assert isinstance(e, dict) and isinstance(p, dict)
                out["same_report"] = e["report_sha"] == p["report_sha"]
            out["engine_peak_rss_mib"] = round(vm_hwm_mib(pid))
        finally:
            if isinstance(server, subprocess.Popen):
                server.terminate()
                server.wait(30)
            else:
                server.stop()  # type: ignore[attr-defined]
    out["load_after"] = os.getloadavg()
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

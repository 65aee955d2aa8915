"""Endpoint latency and throughput, side by side in one run: our service (on each store backend)
against rdflib-endpoint (the Python peer) and a raw ``oxigraph serve`` (the native limit), on
the same data and the same queries (the competency questions, queries/*.rq).

    .venv/bin/python bench/endpoints.py [--clients 1,8] [--seconds 10]

(:mod:`bench.run` calls :func:`measure` as one part of the whole benchmark.)

Data: the built dataset (``./dev build``). Our service serves it as built (default graph =
asserted + inferred). The peers get the same quads with asserted + inferred also copied into
their default graph, so every question returns the same answer everywhere: the row counts are
compared before anything is measured, and a server whose answers differ is reported as such.
Each server runs alone while it is measured; :mod:`bench.loadgen` sends the questions
round-robin from 1 client (latency) and from N concurrent clients (throughput). Memory: the
server's peak RSS (VmHWM) and the PSS of the server with its children (our query workers are
forked from it and share its pages) at the end of the run; for the remote backend the backing
Oxigraph server is added.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import requests

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import loadgen  # type: ignore[import-not-found,no-redef]
else:
    from . import loadgen

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ASSERTED = "https://w3id.org/alliance-kg/graph/asserted"
INFERRED = "https://w3id.org/alliance-kg/graph/inferred"
OURS = "alliance-kg (oxigraph)"
#: the same without the result cache: every request evaluates its query
OURS_UNCACHED = "alliance-kg (oxigraph, no result cache)"
#: the Python stack's floor (floor_app.py): a constant answer, so its answers are not compared
FLOOR = "flask+granian floor (constant answer)"
#: the same on waitress, the server `serve` used before it moved to granian
FLOOR_WAITRESS = "flask+waitress floor (constant answer)"
FLOORS = (FLOOR, FLOOR_WAITRESS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _status(pid: int, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _descendants(pid: int) -> list[int]:
    """Children and their children: granian's worker processes and our query workers."""
    found = []
    for child in _children(pid):
        found += [child, *_descendants(child)]
    return found


def _pss(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class Server:
    name: str
    command: list[str]
    url: str
    env: dict[str, str] = field(default_factory=dict)
    load: Path | None = None  #: N-Quads to POST to an Oxigraph server after start
    backing: Server | None = None  #: the Oxigraph server behind our remote store
    proc: subprocess.Popen[bytes] | None = None

    def start(self, log: Path) -> None:
        if self.backing is not None:
            self.backing.start(log.with_suffix(".backing.log"))
        self.proc = subprocess.Popen(self.command, stdout=log.open("wb"),
                                     stderr=subprocess.STDOUT, cwd=ROOT,
                                     env={**os.environ, **self.env})
        deadline = time.monotonic() + 300
        while True:
            try:
                requests.get(self.url, params={"query": "ASK {}"}, timeout=5)
                break
            except requests.RequestException:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{self.name} did not start: {log.read_text()[-2000:]}"
                                       ) from None
                time.sleep(0.2)
        if self.load is not None:
            store = self.url.rsplit("/", 1)[0] + "/store"
            requests.post(store, data=self.load.read_bytes(),
                          headers={"Content-Type": "application/n-quads"},
                          timeout=600).raise_for_status()

    def memory(self) -> dict[str, float]:
        """Peak RSS of the server process, and PSS of it with its children, now (MiB)."""
        assert self.proc is not None
        pids = [self.proc.pid, *_descendants(self.proc.pid)]
        mem = {"peak_rss_mib": _status(self.proc.pid, "VmHWM"),
               "pss_mib": sum(_pss(p) for p in pids), "processes": float(len(pids))}
        if self.backing is not None:
            back = self.backing.memory()
            mem["peak_rss_mib"] += back["peak_rss_mib"]
            mem["pss_mib"] += back["pss_mib"]
            mem["processes"] += back["processes"]
        return mem

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.backing is not None:
            self.backing.stop()


def peer_dataset(built: Path, out: Path) -> None:
    """The built dataset with asserted + inferred also in the default graph (N-Quads)."""
    quads = list(ox.parse(path=str(built), format=ox.RdfFormat.TRIG))
    default = {ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads
               if isinstance(q.graph_name, ox.NamedNode)
               and q.graph_name.value in (ASSERTED, INFERRED)}
    with out.open("wb") as f:
        ox.serialize(sorted(default, key=str) + quads, f, format=ox.RdfFormat.N_QUADS)


def scaled_dataset(built: Path, extra_triples: int, out_dir: Path) -> Path:
    """The built dataset plus ``extra_triples`` generated triples in the asserted graph, as
    ``out_dir/alliance-kg.trig`` (newer than every source, so ``serve`` takes it as built)."""
    import io

    from alliance_kg.knowledge.generate import generate

    text = io.StringIO()
    generate(extra_triples, 1, text)
    quads = list(ox.parse(path=str(built), format=ox.RdfFormat.TRIG))
    graph = ox.NamedNode(ASSERTED)
    quads += [ox.Quad(t.subject, t.predicate, t.object, graph)
              for t in ox.parse(text.getvalue().encode(), format=ox.RdfFormat.N_TRIPLES)]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "alliance-kg.trig"
    with path.open("wb") as f:
        ox.serialize(quads, f, format=ox.RdfFormat.TRIG)
    return path


def answer_size(url: str, query: str) -> int:
    r = requests.post(url, data={"query": query},
                      headers={"Accept": "application/sparql-results+json"}, timeout=120)
    r.raise_for_status()
    body = r.json()
    return int(body["boolean"]) if "boolean" in body else len(body["results"]["bindings"])


def oxigraph_command() -> str | None:
    return shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")


def servers(work: Path, peer: Path, *, backends: bool = True,
            dist_dir: Path | None = None) -> tuple[list[Server], list[str]]:
    """The servers to compare, and the names of peers that are not installed."""
    ours = str(BIN / "alliance-kg")
    oxigraph = oxigraph_command()
    rdflib_endpoint = shutil.which("rdflib-endpoint", path=str(BIN))
    missing = []
    found: list[Server] = []

    def serve(name: str, *args: str, env: dict[str, str] | None = None,
              backing: Server | None = None) -> None:
        p = free_port()
        env = dict(env or {})
        if dist_dir is not None:
            env["ALLIANCE_KG_DIST_DIR"] = str(dist_dir)
        found.append(Server(name, [ours, "serve", "--port", str(p), *args],
                            f"http://127.0.0.1:{p}/sparql", env=env, backing=backing))

    no_cache = {"ALLIANCE_KG_RESULT_CACHE_MIB": "0"}
    serve(OURS)
    serve(OURS_UNCACHED, env=no_cache)
    if backends:
        serve("alliance-kg (oxigraph, --timeout 0)", "--timeout", "0")
        serve("alliance-kg (memory)", "--store", "memory")
        # read-only in-memory stores may run one worker process per core
        serve("alliance-kg (oxigraph, 2 workers)", env={"ALLIANCE_KG_WORKERS": "2"})
        serve("alliance-kg (oxigraph, 2 workers, no result cache)",
              env={"ALLIANCE_KG_WORKERS": "2", **no_cache})
        if oxigraph:
            p = free_port()
            back = Server("oxigraph (backing)", [oxigraph, "serve", "--location",
                          str(work / "backing"), "--bind", f"127.0.0.1:{p}"],
                          f"http://127.0.0.1:{p}/query")
            base = f"http://127.0.0.1:{p}"
            serve("alliance-kg (remote)", "--store", "remote", backing=back, env={
                "ALLIANCE_KG_REMOTE_QUERY_URL": base + "/query",
                "ALLIANCE_KG_REMOTE_UPDATE_URL": base + "/update",
                "ALLIANCE_KG_REMOTE_GSP_URL": base + "/store"})
    if backends:
        floor_app = str(Path(__file__).with_name("floor_app.py"))
        for name, server in ((FLOOR, "granian"), (FLOOR_WAITRESS, "waitress")):
            if server == "waitress" and importlib.util.find_spec("waitress") is None:
                missing.append("waitress, for its floor (pip install -e '.[bench]')")
                continue
            p = free_port()
            found.append(Server(name, [sys.executable, floor_app, str(p), server],
                                f"http://127.0.0.1:{p}/sparql"))
    if rdflib_endpoint:
        p = free_port()
        found.append(Server("rdflib-endpoint", [rdflib_endpoint, "serve", "--host", "127.0.0.1",
                                                "--port", str(p), str(peer)],
                            f"http://127.0.0.1:{p}/"))
    else:
        missing.append("rdflib-endpoint (pip install -e '.[bench]')")
    if oxigraph:
        p = free_port()
        found.append(Server("oxigraph serve", [oxigraph, "serve", "--location", str(work / "ox"),
                                               "--bind", f"127.0.0.1:{p}"],
                            f"http://127.0.0.1:{p}/query", load=peer))
    else:
        missing.append("oxigraph serve (pip install oxigraph)")
    return found, missing


def measure(clients: list[int], seconds: float, *, backends: bool = True,
            extra_triples: int = 0, say: object = print) -> dict[str, object]:
    """Every server on the built dataset (plus ``extra_triples`` generated ones, if any)."""
    built = ROOT / "dist" / "alliance-kg.trig"
    subprocess.run([str(BIN / "alliance-kg"), "build"], cwd=ROOT, check=True,
                   capture_output=True)
    queries = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))]
    work = Path(tempfile.mkdtemp(prefix="akg-bench-"))
    dist_dir = None
    if extra_triples:
        dist_dir = work / "dist"
        built = scaled_dataset(built, extra_triples, dist_dir)
    dataset_quads = sum(1 for _ in ox.parse(path=str(built), format=ox.RdfFormat.TRIG))
    peer = work / "peer.nq"
    peer_dataset(built, peer)
    found, missing = servers(work, peer, backends=backends, dist_dir=dist_dir)
    results: dict[str, object] = {}
    reference: list[int] | None = None
    try:
        for server in found:
            say(f"endpoints: {server.name}")  # type: ignore[operator]
            entry: dict[str, object] = {}
            results[server.name] = entry
            try:
                server.start(work / f"{len(results)}.log")
            except RuntimeError as exc:
                entry["error"] = str(exc)
                continue
            try:
                sizes = [answer_size(server.url, q) for q in queries]
                if server.name in FLOORS:
                    entry["same_answers"] = None
                else:
                    reference = reference or sizes
                    entry["same_answers"] = sizes == reference
                if entry["same_answers"] is False and reference is not None:
                    entry["differing_queries"] = [i + 1 for i, (a, b)
                                                  in enumerate(zip(sizes, reference, strict=True))
                                                  if a != b]
                entry["runs"] = [loadgen.hammer(server.url, queries, c, seconds)
                                 for c in clients]
                entry.update(server.memory())
            finally:
                server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"queries": len(queries), "clients": clients, "seconds": seconds,
            "extra_triples": extra_triples,
            "servers": results, "missing": missing,
            "dataset_quads": dataset_quads}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", default="1,8", help="comma-separated client counts")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--only-default", action="store_true",
                    help="only our default backend (not memory, remote, --timeout 0)")
    args = ap.parse_args()
    out = measure([int(c) for c in args.clients.split(",")], args.seconds,
                  backends=not args.only_default)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

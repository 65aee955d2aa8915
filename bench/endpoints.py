"""Endpoint latency and throughput, side by side in one run: our service against rdflib-endpoint
(the Python peer) and a raw Oxigraph server (the native limit), same data, same queries.

    ./dev build
    python3 -m venv .venv-bench && .venv-bench/bin/pip install -e . rdflib-endpoint uvicorn
    .venv-bench/bin/python bench/endpoints.py [--clients 8] [--seconds 10]

Data: the built dataset. Our service serves it as built (default graph = asserted + inferred).
The peers get the same triples with asserted + inferred in their default graph and every named
graph kept, so the competency questions (queries/*.rq) return the same answers everywhere
(the script checks the row counts before it measures). Each server runs alone while measured,
with ``--clients`` threads sending the questions round-robin for ``--seconds``.
Prints a table (p50/p99 latency, requests/s, server RSS) and the ratios ours/peer.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ASSERTED = "https://w3id.org/alliance-kg/graph/asserted"
INFERRED = "https://w3id.org/alliance-kg/graph/inferred"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    command: list[str]
    url: str
    proc: subprocess.Popen[bytes] | None = None
    load: Path | None = None  #: N-Quads to POST to an Oxigraph server after start
    latencies: list[float] = field(default_factory=list)

    def start(self, log: Path) -> None:
        self.proc = subprocess.Popen(self.command, stdout=log.open("wb"),
                                     stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                requests.get(self.url, params={"query": "ASK {}"}, timeout=2)
                break
            except requests.ConnectionError:
                if self.proc.poll() is not None:
                    raise SystemExit(f"{self.name} did not start: {log.read_text()}") from None
                time.sleep(0.2)
        if self.load is not None:
            store = self.url.rsplit("/", 1)[0] + "/store"
            requests.post(store, data=self.load.read_bytes(),
                          headers={"Content-Type": "application/n-quads"},
                          timeout=600).raise_for_status()

    def rss_mib(self) -> float:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def peer_dataset(built: Path, out: Path) -> None:
    """The built dataset with asserted + inferred also in the default graph (N-Quads)."""
    quads = list(ox.parse(path=str(built), format=ox.RdfFormat.TRIG))
    default = {ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads
               if isinstance(q.graph_name, ox.NamedNode)
               and q.graph_name.value in (ASSERTED, INFERRED)}
    with out.open("wb") as f:
        ox.serialize(sorted(default, key=str) + quads, f, format=ox.RdfFormat.N_QUADS)


def ask(url: str, query: str) -> int:
    r = requests.post(url, data={"query": query},
                      headers={"Accept": "application/sparql-results+json"}, timeout=60)
    r.raise_for_status()
    body = r.json()
    return int(body["boolean"]) if "boolean" in body else len(body["results"]["bindings"])


def hammer(server: Server, queries: list[str], clients: int, seconds: float) -> int:
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    done = [0]

    def client(offset: int) -> None:
        session = requests.Session()
        i = offset
        local: list[float] = []
        while time.monotonic() < stop_at:
            q = queries[i % len(queries)]
            i += 1
            started = time.perf_counter()
            r = session.post(server.url, data={"query": q},
                             headers={"Accept": "application/sparql-results+json"}, timeout=60)
            local.append(time.perf_counter() - started)
            r.raise_for_status()
        with lock:
            server.latencies.extend(local)
            done[0] += len(local)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    built = ROOT / "dist" / "alliance-kg.trig"
    if not built.exists():
        raise SystemExit("run ./dev build first")
    queries = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))]
    work = Path(tempfile.mkdtemp(prefix="akg-bench-"))
    peer = work / "peer.nq"
    peer_dataset(built, peer)
    rdflib_endpoint = shutil.which("rdflib-endpoint", path=str(BIN))
    oxigraph = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    servers: list[Server] = []
    p = free_port()
    servers.append(Server("alliance-kg (timeout 30 s)", [str(BIN / "alliance-kg"), "serve",
                          "--port", str(p), "--timeout", "30"], f"http://127.0.0.1:{p}/sparql"))
    p = free_port()
    servers.append(Server("alliance-kg (no timeout)", [str(BIN / "alliance-kg"), "serve",
                          "--port", str(p), "--timeout", "0"], f"http://127.0.0.1:{p}/sparql"))
    if rdflib_endpoint:
        p = free_port()
        servers.append(Server("rdflib-endpoint", [rdflib_endpoint, "serve", "--host",
                              "127.0.0.1", "--port", str(p), str(peer)],
                              f"http://127.0.0.1:{p}/"))
    if oxigraph:
        p = free_port()
        servers.append(Server("oxigraph serve", [oxigraph, "serve", "--location",
                              str(work / "ox"), "--bind", f"127.0.0.1:{p}"],
                              f"http://127.0.0.1:{p}/query", load=peer))
    print(f"# {time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, pyoxigraph {ox.__version__}; "
          f"{len(queries)} queries, {args.clients} clients, {args.seconds:g} s each")
    rows = []
    answers: dict[str, list[int]] = {}
    for server in servers:
        server.start(work / f"{server.name.split()[0]}.log")
        try:
            answers[server.name] = [ask(server.url, q) for q in queries]
            n = hammer(server, queries, args.clients, args.seconds)
            rows.append((server.name, percentile(server.latencies, 50) * 1000,
                         percentile(server.latencies, 99) * 1000, n / args.seconds,
                         server.rss_mib()))
        finally:
            server.stop()
    reference = answers[servers[0].name]
    for name, counts in answers.items():
        if counts != reference:
            diff = [i + 1 for i, (a, b) in enumerate(zip(counts, reference, strict=True)) if a != b]
            print(f"# note: {name} answers differ in row counts for queries {diff}")
    print(f"{'server':<28}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>10}{'RSS MiB':>10}")
    for name, p50, p99, rps, rss in rows:
        print(f"{name:<28}{p50:>9.2f}{p99:>9.2f}{rps:>10.1f}{rss:>10.0f}")
    by = {r[0]: r[3] for r in rows}
    for ours in (servers[0].name, servers[1].name):
        for peer_name in ("rdflib-endpoint", "oxigraph serve"):
            if peer_name in by:
                print(f"throughput {ours} / {peer_name}: {by[ours] / by[peer_name]:.2f}x")


if __name__ == "__main__":
    main()

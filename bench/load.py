"""Load: many readers and one writer against a running service; errors, latency, consistency.

    python bench/load.py --url http://127.0.0.1:7878 --token $TOKEN --clients 50 --seconds 60

Readers loop over a mix of requests (a consistency ASK, a SELECT with a LIMIT, ``/healthz``, a
Graph Store GET); the writer sends a stream of updates, each adding two triples about one key to
a named graph. A reader that ever sees one triple of a key without the other has seen half an
update. Prints one JSON report: requests, errors (any status other than the expected, or a
dropped connection), p50/p99/max latency in ms, updates acknowledged, half-updates seen.
Used by tests/web/test_durability.py (a few seconds in the default run, 50 clients for 60 s in
the slow suite). The server is the caller's: nothing here starts one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from dataclasses import asdict, dataclass, field

import requests

GRAPH = "https://w3id.org/alliance-kg/graph/source/load"
HALF = ("ASK { GRAPH <" + GRAPH + "> { ?k <urn:p:a> ?v "
        "FILTER NOT EXISTS { ?k <urn:p:b> ?v } } }")
SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 50"


@dataclass
class Report:
    clients: int
    seconds: float
    requests: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    updates_acknowledged: int = 0
    half_updates_seen: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    requests_per_second: float = 0.0


def run_load(url: str, token: str | None, *, clients: int = 50, seconds: float = 60.0,
             timeout: float = 60.0) -> Report:
    """Hammer ``url`` with ``clients`` reader threads and one writer for ``seconds``."""
    report = Report(clients, seconds)
    latencies: list[float] = []
    lock = threading.Lock()
    stop = threading.Event()

    def record(ms: float, error: str | None = None, half: bool = False) -> None:
        with lock:
            report.requests += 1
            latencies.append(ms)
            if error is not None:
                report.errors += 1
                if len(report.error_samples) < 10:
                    report.error_samples.append(error)
            if half:
                report.half_updates_seen += 1

    def reader(n: int) -> None:
        session = requests.Session()
        i = n
        while not stop.is_set():
            kind = i % 4
            i += 1
            started = time.perf_counter()
            try:
                if kind == 0:
                    r = session.get(url + "/sparql", params={"query": HALF}, timeout=timeout,
                                    headers={"Accept": "application/sparql-results+json"})
                elif kind == 1:
                    r = session.get(url + "/sparql", params={"query": SELECT}, timeout=timeout,
                                    headers={"Accept": "text/csv"})
                elif kind == 2:
                    r = session.get(url + "/healthz", timeout=timeout)
                else:
                    r = session.get(url + "/rdf-graph-store", params={"graph": GRAPH},
                                    timeout=timeout, headers={"Accept": "application/n-triples"})
            except requests.RequestException as exc:
                record((time.perf_counter() - started) * 1000, f"{type(exc).__name__}: {exc}")
                continue
            ms = (time.perf_counter() - started) * 1000
            ok = r.status_code == 200 or (kind == 3 and r.status_code == 404)
            half = kind == 0 and ok and bool(r.json()["boolean"])
            record(ms, None if ok else f"{r.status_code} {r.text[:200]}", half)

    def writer() -> None:
        session = requests.Session()
        headers = {"Content-Type": "application/sparql-update"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        key = 0
        while not stop.is_set():
            body = (f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:k:{key}> <urn:p:a> {key} . "
                    f"<urn:k:{key}> <urn:p:b> {key} }} }}")
            started = time.perf_counter()
            try:
                r = session.post(url + "/sparql", data=body.encode(), headers=headers,
                                 timeout=timeout)
            except requests.RequestException as exc:
                record((time.perf_counter() - started) * 1000, f"writer: {exc}")
                continue
            record((time.perf_counter() - started) * 1000,
                   None if r.status_code == 204 else f"writer {r.status_code} {r.text[:200]}")
            if r.status_code == 204:
                with lock:
                    report.updates_acknowledged += 1
            key += 1

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(clients)]
    threads.append(threading.Thread(target=writer))
    began = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout + 5)
    elapsed = time.perf_counter() - began
    if latencies:
        ordered = sorted(latencies)
        report.p50_ms = round(statistics.median(ordered), 1)
        report.p99_ms = round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1)
        report.max_ms = round(ordered[-1], 1)
    report.requests_per_second = round(report.requests / elapsed, 1)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:7878")
    parser.add_argument("--token", default=None, help="bearer token for the writer")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    report = run_load(args.url.rstrip("/"), args.token, clients=args.clients,
                      seconds=args.seconds)
    print(json.dumps(asdict(report), indent=2))
    raise SystemExit(1 if report.errors or report.half_updates_seen else 0)


if __name__ == "__main__":
    main()

"""A small HTTP load generator: N client processes, keep-alive, SPARQL queries round-robin.

Client *processes* (not threads) so the client is never the bottleneck for its GIL: with one
process of Python threads the client saturates near 1,000 requests/s and every fast server looks
the same. Each client holds one keep-alive connection (``http.client``, the cheapest client in
the standard library), POSTs url-encoded ``query=`` with ``Accept:
application/sparql-results+json`` (no ``Accept-Encoding``: no server compresses), reads the
whole body, and records the latency. A non-200 answer is counted as an error, never as a
result. The clients share the machine with the server, as they would on a 2-core CI box; all
servers are measured with the same clients.
"""

from __future__ import annotations

import http.client
import multiprocessing
import time
from urllib.parse import urlencode, urlsplit

HEADERS = {"Accept": "application/sparql-results+json",
           "Content-Type": "application/x-www-form-urlencoded"}


def _client(url: str, bodies: list[bytes], offset: int, start_at: float, stop_at: float,
            out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    path = parts.path or "/"
    latencies: list[float] = []
    errors = 0
    first_error = ""
    i = offset
    while time.time() < start_at:
        time.sleep(0.001)
    while time.time() < stop_at:
        body = bodies[i % len(bodies)]
        i += 1
        started = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers=HEADERS)
            resp = conn.getresponse()
            resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
            status, first_error = 0, first_error or repr(exc)
        elapsed = time.perf_counter() - started
        if status == 200:
            latencies.append(elapsed)
        else:
            errors += 1
            first_error = first_error or f"HTTP {status}"
    conn.close()
    out.put((latencies, errors, first_error))


def hammer(url: str, queries: list[str], clients: int, seconds: float) -> dict[str, object]:
    """Run ``clients`` processes for ``seconds``; latency percentiles (ms) and requests/s."""
    bodies = [urlencode({"query": q}).encode() for q in queries]
    ctx = multiprocessing.get_context("fork")
    out: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    start_at = time.time() + 0.3  # every client starts together
    stop_at = start_at + seconds
    procs = [ctx.Process(target=_client, args=(url, bodies, k * 7, start_at, stop_at, out))
             for k in range(clients)]
    for p in procs:
        p.start()
    latencies: list[float] = []
    errors = 0
    first_error = ""
    for _ in procs:
        lat, err, first = out.get(timeout=seconds + 300)
        latencies += lat
        errors += err
        first_error = first_error or first
    for p in procs:
        p.join(10)
    latencies.sort()
    return {
        "clients": clients,
        "seconds": seconds,
        "requests": len(latencies),
        "errors": errors,
        "first_error": first_error or None,
        "throughput_rps": len(latencies) / seconds,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": (latencies[-1] if latencies else float("nan")) * 1000,
    }


def percentile(ordered: list[float], p: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

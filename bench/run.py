"""The whole benchmark in one run: load, OWL 2 RL closure, SHACL validation, endpoint latency and
throughput, and memory per backend, each side by side with its peers on the same data, written
as JSON and as a Markdown table.

    .venv/bin/pip install -e '.[bench]'          # rdflib-endpoint, uvicorn, oxigraph, reasonable
    .venv/bin/python bench/run.py --quick         # 10^3 triples, 2 s per endpoint run: a smoke test
    .venv/bin/python bench/run.py --full          # 10^4, 10^5, 10^6 triples, 10 s per run
    .venv/bin/python bench/run.py --full --only reasoning --sizes 1000000

Results go to ``bench/results/<mode>.json`` and ``.md`` (``--out DIR`` elsewhere).

Every measurement of load, reasoning and validation runs in a fresh child process
(:mod:`bench.child`) so its time and peak memory are its own, on data made by ``alliance-kg
generate N --seed 1`` (written once per size). A child past its budget is killed and reported
as "> budget s". Peers: for loading, rdflib's parser (what rdflib-endpoint runs) and
pyoxigraph's bulk loader (the native limit); for reasoning, owlrl (the reference semantics)
against our owlrl-fast; for validation, plain pySHACL against ours (pySHACL plus our report); for
the endpoint, rdflib-endpoint and ``oxigraph serve`` (:mod:`bench.endpoints`).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(HERE))
    import endpoints  # type: ignore[import-not-found,no-redef]
    import machine  # type: ignore[import-not-found,no-redef]
else:
    from . import endpoints, machine

PARTS = ("load", "reasoning", "shacl", "endpoints")
GOALS = {
    "throughput_vs_rdflib_endpoint": ">= 10x",
    "throughput_vs_oxigraph_serve": ">= 0.5x",
    "owlrl_closure_1e6_seconds": "< 60 s on 2 cores",
    "p99_ms_competency_questions": "< 20 ms on the shipped data",
}
MODES: dict[str, dict[str, Any]] = {
    "quick": {"sizes": [1_000], "shacl_sizes": [1_000], "budget": 120.0, "seconds": 2.0,
              "clients": [1, 4], "scale": 0},
    "full": {"sizes": [10_000, 100_000, 1_000_000], "shacl_sizes": [10_000, 100_000],
             "budget": 300.0, "seconds": 10.0, "clients": [1, 8], "scale": 100_000},
}


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def child(task: str, data: Path, budget: float, *extra: str) -> dict[str, Any]:
    """Run one measurement in a fresh process; {"timeout": budget} if it takes longer."""
    proc = subprocess.Popen([sys.executable, str(HERE / "child.py"), task, str(data), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=budget)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"timeout": budget}
    if proc.returncode != 0:
        return {"error": err.strip().splitlines()[-1] if err.strip() else f"exit {proc.returncode}"}
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def generated(n: int, work: Path) -> Path:
    path = work / f"gen-{n}.nt"
    if not path.exists():
        from alliance_kg.knowledge.generate import generate

        with path.open("w", encoding="utf-8") as f:
            generate(n, 1, f)
    return path


def bench_load(sizes: list[int], work: Path, budget: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    oxigraph = endpoints.oxigraph_command()
    for n in sizes:
        data = generated(n, work)
        row: dict[str, Any] = {}
        for task in ("load-memory", "load-oxigraph", "load-rdflib", "load-pyoxigraph"):
            say(f"load: {task} {n}")
            row[task.removeprefix("load-")] = child(task, data, budget)
        if oxigraph:
            say(f"load: remote {n}")
            back = endpoints.Server("oxigraph (backing)", [
                oxigraph, "serve", "--location", str(work / f"remote-{n}"), "--bind",
                f"127.0.0.1:{(port := endpoints.free_port())}"], f"http://127.0.0.1:{port}/query")
            back.start(work / f"remote-{n}.log")
            try:
                result = child("load-remote", data, budget, f"http://127.0.0.1:{port}")
                if "timeout" not in result and "error" not in result:
                    result["server_peak_rss_mib"] = back.memory()["peak_rss_mib"]
                row["remote"] = result
            finally:
                back.stop()
        out[str(n)] = row
    return out


def bench_reasoning(sizes: list[int], work: Path, budget: float,
                    owlrl_budget: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in sizes:
        data = generated(n, work)
        say(f"reasoning: fastreason.inferred {n}")
        fast = child("reason-fastreason-inferred", data, budget)
        say(f"reasoning: infer(semantics='owlrl-fast') {n}")
        via_infer = child("reason-owlrl-fast", data, budget)
        say(f"reasoning: owlrl {n} (budget {owlrl_budget:g} s)")
        reference = child("reason-owlrl", data, owlrl_budget)
        row = {"owlrl": reference, "owlrl-fast": fast, "owlrl-fast via infer": via_infer}
        digests = {e["digest"] for e in (reference, fast, via_infer) if "digest" in e}
        if "digest" in reference and len(digests) > 0:
            row["same_inferred_graph"] = len(digests) == 1
        elif "digest" in fast and "digest" in via_infer:  # owlrl over budget: the two fast ones
            row["fast_variants_same_graph"] = fast["digest"] == via_infer["digest"]
        out[str(n)] = row
    return out


def bench_shacl(sizes: list[int], work: Path, budget: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in sizes:
        data = generated(n, work)
        say(f"shacl: {n}")
        out[str(n)] = {"ours": child("shacl-ours", data, budget),
                       "pyshacl": child("shacl-pyshacl", data, budget)}
    return out


def _seconds(entry: dict[str, Any]) -> float | None:
    value = entry.get("seconds")
    return float(value) if value is not None else None


def ratios(results: dict[str, Any]) -> dict[str, Any]:
    """The numbers the goals are about, and whether each goal is met."""
    found: dict[str, Any] = {}
    for part, suffix in (("endpoints_scaled", " (scaled data)"), ("endpoints", "")):
        servers = results.get(part, {}).get("servers", {})
        for ours, variant in ((endpoints.OURS, ""),
                              (endpoints.OURS_UNCACHED, " [no result cache]")):
            top_runs = servers.get(ours, {}).get("runs")
            if not top_runs:
                continue
            top = top_runs[-1]
            for peer, key, goal in (("rdflib-endpoint", "throughput_vs_rdflib_endpoint", 10.0),
                                    ("oxigraph serve", "throughput_vs_oxigraph_serve", 0.5)):
                runs = servers.get(peer, {}).get("runs")
                if runs:
                    ratio = top["throughput_rps"] / runs[-1]["throughput_rps"]
                    found[key + suffix + variant] = {
                        "value": round(ratio, 2), "goal": GOALS[key], "met": ratio >= goal,
                        "clients": top["clients"]}
    ep = results.get("endpoints", {}).get("servers", {})
    ours = ep.get(endpoints.OURS, {})
    if ours.get("runs"):
        p99 = max(run["p99_ms"] for run in ours["runs"])
        single = ours["runs"][0]
        found["p99_ms_competency_questions"] = {
            "value": round(single["p99_ms"], 2), "worst_over_client_counts": round(p99, 2),
            "clients": single["clients"], "goal": GOALS["p99_ms_competency_questions"],
            "met": single["p99_ms"] < 20}
    reasoning = results.get("reasoning", {})
    if reasoning:
        largest = max(reasoning, key=int)
        fast = reasoning[largest]["owlrl-fast"]
        seconds = _seconds(fast)
        entry: dict[str, Any] = {"triples": int(largest),
                                 "goal": GOALS["owlrl_closure_1e6_seconds"]}
        if seconds is not None:
            entry.update(value=round(seconds, 1), met=seconds < 60 and int(largest) >= 1_000_000)
        else:
            entry.update(value=f"> {fast.get('timeout')} s" if "timeout" in fast else "error",
                         met=False)
        found["owlrl_closure_1e6_seconds"] = entry
    return found


def _fmt_s(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "-"
    if "timeout" in entry:
        return f"> {entry['timeout']:g} s"
    if "error" in entry:
        return "error"
    return f"{entry['seconds']:.2f} s"


def _ratio(a: dict[str, Any] | None, b: dict[str, Any] | None) -> str:
    """b's time / a's time ("how many times faster a is"), or a bound when b timed out."""
    if not a or not b or "seconds" not in a:
        return "-"
    if "timeout" in b:
        return f"> {b['timeout'] / a['seconds']:.0f}x"
    if "seconds" not in b:
        return "-"
    return f"{b['seconds'] / a['seconds']:.1f}x"


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    v = m["versions"]
    lines = [f"# Benchmark results ({results['mode']})", "",
             f"{m['date']}; {m['cores']} cores, {m['memory_gib']} GiB, {m['cpu']}; {m['os']}; "
             f"Python {m['python']}; commit {m['commit']}", "",
             "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val), ""]
    if "goals" in results:
        lines += ["## Goals", "", "| goal | target | measured | met |", "| --- | --- | --- | --- |"]
        for key, g in results["goals"].items():
            lines.append(f"| {key} | {g['goal']} | {g['value']} | {'yes' if g['met'] else 'NO'} |")
        lines.append("")
    if "load" in results:
        lines += ["## Load (seconds; peak RSS MiB)", "",
                  "| triples | memory (ours) | oxigraph (ours) | remote (ours) | rdflib parse "
                  "(Python peer) | pyoxigraph bulk_load (native) | oxigraph/rdflib |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for n, row in results["load"].items():
            def cell(key: str, row: dict[str, Any] = row) -> str:
                e = row.get(key)
                if not e or "seconds" not in e:
                    return _fmt_s(e)
                rss = e["peak_rss_mib"] - e["base_rss_mib"]
                extra = f" (+ server {e['server_peak_rss_mib']:.0f})" \
                    if "server_peak_rss_mib" in e else ""
                return f"{e['seconds']:.2f} s; {rss:.0f}{extra} MiB"
            lines.append(f"| {int(n):,} | {cell('memory')} | {cell('oxigraph')} | "
                         f"{cell('remote')} | {cell('rdflib')} | {cell('pyoxigraph')} | "
                         f"{_ratio(row.get('oxigraph'), row.get('rdflib'))} faster |")
        lines.append("")
    if "reasoning" in results:
        lines += ["## OWL 2 RL closure (the inferred graph, noise filtered; parsing excluded)",
                  "", "owlrl-fast = `fastreason.inferred`; via infer = `infer(semantics="
                  "'owlrl-fast')` (what build and validate call; the same path since "
                  "5cb60ed)", "",
                  "| triples | owlrl | owlrl-fast | via infer | speed-up | inferred | same graph "
                  "| owlrl-fast path | peak RSS MiB (owlrl / fast) |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for n, row in results["reasoning"].items():
            ref, fast = row["owlrl"], row["owlrl-fast"]
            same = row.get("same_inferred_graph")
            if same is None and "fast_variants_same_graph" in row:
                same = "fast = via infer" if row["fast_variants_same_graph"] else False
            same_text = "-" if same is None else same if isinstance(same, str) else \
                ("yes" if same else "NO")
            lines.append(
                f"| {int(n):,} | {_fmt_s(ref)} | {_fmt_s(fast)} | "
                f"{_fmt_s(row.get('owlrl-fast via infer'))} | {_ratio(fast, ref)} | "
                f"{fast.get('inferred', '-')} | "
                f"{same_text} | {fast.get('path', '-')} "
                f"| {ref.get('peak_rss_mib', 0):.0f} / {fast.get('peak_rss_mib', 0):.0f} |")
        lines.append("")
    if "shacl" in results:
        lines += ["## SHACL validation (data + inferred + ontology; parsing and reasoning "
                  "excluded)", "", "| triples | ours | plain pySHACL | ours/pySHACL | conforms |",
                  "| --- | --- | --- | --- | --- |"]
        for n, row in results["shacl"].items():
            ours, peer = row["ours"], row["pyshacl"]
            ratio = f"{ours['seconds'] / peer['seconds']:.2f}" \
                if "seconds" in ours and "seconds" in peer else "-"
            lines.append(f"| {int(n):,} | {_fmt_s(ours)} | {_fmt_s(peer)} | {ratio} | "
                         f"{ours.get('conforms', '-')} |")
        lines.append("")
    for key in ("endpoints", "endpoints_scaled"):
        if key in results:
            lines += _endpoint_table(results[key])
    return "\n".join(lines)


def _endpoint_table(ep: dict[str, Any]) -> list[str]:
    extra = f" + {ep['extra_triples']:,} generated triples" if ep.get("extra_triples") else ""
    lines = [f"## Endpoint: the {ep['queries']} competency questions on the shipped data{extra} "
             f"({ep['dataset_quads']:,} quads), {ep['seconds']:g} s per run", "",
             "| server | clients | p50 ms | p99 ms | req/s | errors | same answers | "
             "peak RSS MiB | PSS MiB (with children) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, s in ep["servers"].items():
        if "error" in s:
            lines.append(f"| {name} | - | - | - | - | did not start | - | - | - |")
            continue
        for run in s.get("runs", []):
            lines.append(f"| {name} | {run['clients']} | {run['p50_ms']:.2f} | "
                         f"{run['p99_ms']:.2f} | {run['throughput_rps']:.0f} | "
                         f"{run['errors']} | {s.get('same_answers')} | "
                         f"{s.get('peak_rss_mib', 0):.0f} | {s.get('pss_mib', 0):.0f} |")
    if ep.get("missing"):
        lines += ["", "Not installed, not measured: " + ", ".join(ep["missing"])]
    lines.append("")
    return lines


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_const", dest="mode", const="quick")
    mode.add_argument("--full", action="store_const", dest="mode", const="full")
    ap.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                    help="comma-separated triple counts (default by mode)")
    ap.add_argument("--only", type=lambda s: s.split(","), default=list(PARTS),
                    help=f"comma-separated parts: {','.join(PARTS)}")
    ap.add_argument("--budget", type=float, help="seconds one measurement may take")
    ap.add_argument("--owlrl-budget", type=float,
                    help="seconds one owlrl closure may take (default: --budget)")
    ap.add_argument("--seconds", type=float, help="seconds per endpoint run")
    ap.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")],
                    help="comma-separated client counts for the endpoint runs")
    ap.add_argument("--scale", type=int,
                    help="also measure the endpoints with this many generated triples added "
                         "(0: only the shipped data)")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    name = args.mode or "quick"
    cfg = dict(MODES[name])
    for key in ("sizes", "budget", "seconds", "clients", "scale"):
        if getattr(args, key) is not None:
            cfg[key] = getattr(args, key)
    if args.sizes is not None:
        cfg["shacl_sizes"] = args.sizes
    cfg["owlrl_budget"] = args.owlrl_budget or cfg["budget"]
    unknown = set(args.only) - set(PARTS)
    if unknown:
        ap.error(f"unknown parts {sorted(unknown)} (one of {', '.join(PARTS)})")
    results: dict[str, Any] = {"mode": name, "config": cfg, "machine": machine.describe()}
    with tempfile.TemporaryDirectory(prefix="akg-bench-") as tmp:
        work = Path(tmp)
        if "load" in args.only:
            results["load"] = bench_load(cfg["sizes"], work, cfg["budget"])
        if "reasoning" in args.only:
            results["reasoning"] = bench_reasoning(cfg["sizes"], work, cfg["budget"],
                                                   cfg["owlrl_budget"])
        if "shacl" in args.only:
            results["shacl"] = bench_shacl(cfg["shacl_sizes"], work, cfg["budget"])
    if "endpoints" in args.only:
        results["endpoints"] = endpoints.measure(cfg["clients"], cfg["seconds"], say=say)
        if cfg["scale"]:
            results["endpoints_scaled"] = endpoints.measure(
                cfg["clients"], cfg["seconds"], extra_triples=cfg["scale"], say=say)
    results["goals"] = ratios(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n",
                                           encoding="utf-8")
    (args.out / f"{name}.md").write_text(markdown(results) + "\n", encoding="utf-8")
    say(f"wrote {args.out / (name + '.json')} and .md")
    return results


if __name__ == "__main__":
    main()

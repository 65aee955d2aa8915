"""`alliance-kg build` at scale: per-step times with the default (fast) or reference engines.

    .venv/bin/python bench/build.py --sizes 0 10000 100000 1000000
    .venv/bin/python bench/build.py --sizes 0 10000 --reasoner owlrl --shacl pyshacl

For each size: a scratch checkout (the repository's ontology/, shapes/ and data/, plus
``alliance-kg generate N --seed 1 --trig`` as ``data/generated.trig``; 0 = the shipped data
only), then
``build_dataset`` and ``serialize_trig`` (what ``alliance-kg build`` writes), each size in a
fresh child process so the peak RSS is that build's. Prints one JSON object per size (wall and
CPU seconds per step: load, reason, validate, assemble, describe, serialize; the fast SHACL
path's find/report split) and a Markdown table of wall seconds. CPU seconds are the ones to
compare when other jobs share the machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "service"))

STEPS = ("load", "reason", "validate", "assemble", "describe", "serialize")


def _checkout(target: Path, size: int) -> Path:
    from alliance_kg.knowledge.generate import generate_source

    for name in ("ontology", "shapes", "data"):
        shutil.copytree(ROOT / name, target / name)
    if size:  # in a graph naming its source, as the build asks of every data triple
        with (target / "data" / "generated.trig").open("w", encoding="utf-8") as out:
            generate_source(size, 1, out)
    return target


def child(root: Path, reasoner: str, shacl: str) -> dict[str, object]:
    from alliance_kg.knowledge import fastreason, fastshacl
    from alliance_kg.knowledge.build import build_dataset, serialize_trig

    times: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    ds = build_dataset(root, reasoner=reasoner, shacl=shacl, timings=times)
    w, c = time.perf_counter(), time.process_time()
    data = serialize_trig(ds)
    times["serialize"] = time.perf_counter() - w
    times["cpu:serialize"] = time.process_time() - c
    times["total"] = time.perf_counter() - wall
    times["cpu:total"] = time.process_time() - cpu
    times.update({f"shacl:{k}": v for k, v in fastshacl.TIMES.items()})
    return {"times": {k: round(v, 2) for k, v in times.items()},
            "reason_path": fastreason.LAST_PATH[0] if reasoner == "fast" else reasoner,
            "shacl_path": fastshacl.LAST_PATH[0] if shacl == "fast" else shacl,
            "bytes": len(data),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[0, 10_000, 100_000])
    ap.add_argument("--reasoner", default="fast", choices=("fast", "owlrl"))
    ap.add_argument("--shacl", default="fast", choices=("fast", "pyshacl"))
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.reasoner, args.shacl)))
        return
    rows = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="kg-build-") as tmp:
            root = _checkout(Path(tmp), size)
            out = subprocess.run([sys.executable, __file__, "--child", str(root), "--reasoner",
                                  args.reasoner, "--shacl", args.shacl],
                                 check=True, capture_output=True, text=True).stdout
        result = {"size": size, "reasoner": args.reasoner, "shacl": args.shacl,
                  **json.loads(out.splitlines()[-1])}
        print(json.dumps(result), flush=True)
        rows.append(result)
    print(f"\n| generated triples | {' | '.join(STEPS)} | total (CPU) | peak RSS MiB |")
    print("| ---: |" + " ---: |" * (len(STEPS) + 2))
    for r in rows:
        t: dict[str, float] = r["times"]
        cells = [f"{t.get(s, 0.0):.1f}" for s in STEPS]
        print(f"| {r['size']:,} | {' | '.join(cells)} | {t['total']:.1f} ({t['cpu:total']:.1f})"
              f" | {r['peak_rss_mib']:,} |")


if __name__ == "__main__":
    main()

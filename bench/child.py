"""One measurement in a fresh process, so its time and peak memory are its own.

    python bench/child.py TASK DATA.nt [ONTOLOGY_AND_SHAPES_ROOT]

Prints one JSON object on stdout: ``seconds`` (the measured step only, parsing excluded unless
the task *is* loading), ``peak_rss_mib`` (the process's high-water mark, /proc VmHWM) and
``base_rss_mib`` (before the measured step), plus what the task counts. The parent
(:mod:`bench.run`) kills a child past its time budget and reports "> budget".

Tasks: ``load-memory``, ``load-oxigraph``, ``load-rdflib`` (the Python peer: rdflib's
``Graph.parse``, what rdflib-endpoint runs), ``load-pyoxigraph`` (the native limit:
``Store.bulk_load``), ``load-remote URL`` (our remote backend against a running Oxigraph
server), ``reason-owlrl``, ``reason-owlrl-fast`` (``infer(semantics="owlrl-fast")``, the
entry point build and validate call, which returns ``fastreason.inferred`` since 5cb60ed),
``reason-fastreason-inferred`` (``fastreason.inferred`` called directly), ``shacl-ours``,
``shacl-pyshacl``.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_mib(field: str = "VmHWM") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _ontology():  # type: ignore[no-untyped-def]
    from alliance_kg.knowledge.load import load_files, repo_sources, union_graph

    return union_graph(load_files(repo_sources(ROOT)["ontology"]))


def _shapes():  # type: ignore[no-untyped-def]
    from alliance_kg.knowledge.load import load_files, repo_sources, union_graph

    return union_graph(load_files(repo_sources(ROOT)["shapes"]))


def _graph(data: Path):  # type: ignore[no-untyped-def]
    import rdflib

    return rdflib.Graph().parse(data, format="nt")


def _digest(triples: object) -> str:
    lines = sorted(" ".join(t.n3() for t in triple) for triple in triples)  # type: ignore[attr-defined]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def run(task: str, data: Path, extra: list[str]) -> dict[str, object]:
    from alliance_kg.formats import BY_KEY

    nt = BY_KEY["ntriples"]
    out: dict[str, object] = {}
    if task.startswith("load-"):
        raw = data.read_bytes()
        base = rss_mib("VmRSS")
        started = time.perf_counter()
        if task == "load-memory":
            from alliance_kg.store.memory import MemoryStore

            out["triples"] = MemoryStore().load(raw, nt)
        elif task == "load-oxigraph":
            from alliance_kg.store.oxigraph import OxigraphStore

            out["triples"] = OxigraphStore().load(raw, nt)
        elif task == "load-remote":
            from alliance_kg.store.remote import RemoteStore

            url = extra[0]
            store = RemoteStore(url + "/query", url + "/update", url + "/store", timeout=600)
            out["triples"] = store.load(raw, nt)
        elif task == "load-rdflib":
            import rdflib

            out["triples"] = len(rdflib.Dataset().parse(data=raw, format="nt"))
        elif task == "load-pyoxigraph":
            import pyoxigraph as ox

            store = ox.Store()
            store.bulk_load(raw, ox.RdfFormat.N_TRIPLES)
            out["triples"] = len(store)
        else:
            raise SystemExit(f"unknown task {task}")
        out["seconds"] = time.perf_counter() - started
        out["base_rss_mib"] = base
        out["peak_rss_mib"] = rss_mib()
        return out
    ontology = _ontology()
    started = time.perf_counter()
    g = _graph(data)
    out["parse_seconds"] = time.perf_counter() - started
    out["triples"] = len(g)
    out["base_rss_mib"] = rss_mib("VmRSS")
    if task.startswith("reason-"):
        from alliance_kg.knowledge import fastreason
        from alliance_kg.knowledge.reason import infer

        semantics = task.removeprefix("reason-")
        started = time.perf_counter()
        if semantics == "fastreason-inferred":
            inferred = fastreason.inferred(g, ontology)
            semantics = "owlrl-fast"
        else:
            inferred = infer(g, ontology, semantics=semantics)
        out["seconds"] = time.perf_counter() - started
        out["inferred"] = len(inferred)
        out["digest"] = _digest(inferred)
        if semantics == "owlrl-fast":
            out["path"] = fastreason.LAST_PATH[0]
    elif task.startswith("shacl-"):
        from alliance_kg.knowledge.reason import infer, merged

        data_graph = merged([g, infer(g, ontology, semantics="owlrl-fast")])
        shapes = _shapes()
        started = time.perf_counter()
        if task == "shacl-ours":
            from alliance_kg.knowledge.validate import validate

            report = validate(data_graph, shapes, ontology=ontology)
            out["conforms"] = report.conforms
            out["results"] = len(report.results)
        elif task == "shacl-pyshacl":
            import pyshacl

            conforms, _, _ = pyshacl.validate(merged([data_graph, ontology]),
                                              shacl_graph=merged([shapes]), inference="none",
                                              advanced=True, allow_warnings=True)
            out["conforms"] = bool(conforms)
        else:
            raise SystemExit(f"unknown task {task}")
        out["seconds"] = time.perf_counter() - started
    else:
        raise SystemExit(f"unknown task {task}")
    out["peak_rss_mib"] = rss_mib()
    return out


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])))

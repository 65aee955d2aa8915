"""The full-text engine choice (docs/SEARCH.md), side by side in one process: SQLite FTS5 (what
``protocol/search.py`` uses) and Tantivy (Rust, ``tantivy`` on PyPI), on the same rows.

    nice -n 10 .venv/bin/python bench/search_engines.py --size 1000000

Tantivy is not a dependency of the project: install it where this runs (``pip install
tantivy``, e.g. into a separate virtualenv put on ``PYTHONPATH``), or only FTS5 is measured.

The rows are our index's, as it indexes them (folded words, CJK bigrams and characters, kind):
each engine indexes them in memory (FTS5's part alone, without our tables of texts, types and
vocabulary, and without reading the store and folding the texts, which all of our build does),
then answers ``bench/search.py``'s mix of 300 texts (every word must match, the last as a
prefix, one edit allowed in words of four letters or more: Tantivy's fuzzy term queries, our
vocabulary corrections), top 10; then a one-document write is made visible 30 times (FTS5: a
transaction; Tantivy: add, commit, reload the searcher).
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import endpoints  # type: ignore[import-not-found,no-redef]
    from search import percentile, texts  # type: ignore[import-not-found,no-redef]
else:
    from . import endpoints
    from .search import percentile, texts

WORD = re.compile(r"[^\W_]+")
Row = tuple[int, str, str, str, str, str]  # id, kind, lang, words, bigrams, characters


def rss_mib() -> float:
    """The process's resident memory now (not its peak: the store's load set that)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def our_rows(size: int, work: Path) -> tuple[list[Row], dict[str, float], list[str]]:
    """Our index of the dataset + ``size`` generated triples: its rows, build and search."""
    from alliance_kg.protocol.search import Query, SearchIndex, grams, words
    from alliance_kg.store.oxigraph import OxigraphStore

    path = endpoints.scaled_dataset(endpoints.ROOT / "dist" / "alliance-kg.trig", size, work)
    store = OxigraphStore()
    store.ox.bulk_load(path=str(path), format=ox.RdfFormat.TRIG)
    index = SearchIndex.build(store)
    rows: list[Row] = []
    for id_, kind, lang, norm in index._db.execute("SELECT id, kind, lang, norm FROM doc"):
        bi, uni = grams(norm)
        rows.append((id_, kind, lang, " ".join(words(norm)), bi, uni))
    qs = texts(random.Random(15), 300, max(30, size // 30))
    times = []
    for q in qs:
        start = time.perf_counter()
        index.search(Query(q))
        times.append((time.perf_counter() - start) * 1000)
    return rows, {"build_s": index.build_seconds, "p50": statistics.median(times),
                  "p99": percentile(times, 0.99)}, qs


def fts5(rows: list[Row]) -> dict[str, float]:
    from alliance_kg.protocol.search import _SCHEMA

    before = rss_mib()
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.executescript(_SCHEMA)
    start = time.perf_counter()
    db.execute("BEGIN")
    db.executemany("INSERT INTO fts(rowid, norm, bi, uni, kind, lang) VALUES (?, ?, ?, ?, ?, ?)",
                   [(r[0], r[3], r[4], r[5], r[1], r[2]) for r in rows])
    db.execute("COMMIT")
    db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    build = time.perf_counter() - start
    writes = []
    for i in range(30):
        start = time.perf_counter()
        db.execute("BEGIN")
        db.execute("INSERT INTO fts(rowid, norm, bi, uni, kind, lang) VALUES (?, ?, '', '', "
                   "'entity', 'en')", (10_000_000 + i, f"bench state {i}"))
        db.execute("COMMIT")
        writes.append((time.perf_counter() - start) * 1000)
    pages = db.execute("PRAGMA page_count").fetchone()[0] * db.execute(
        "PRAGMA page_size").fetchone()[0]
    return {"build_s": build, "rss_mib": rss_mib() - before, "db_mib": pages / 2**20,
            "write_p50": statistics.median(writes), "write_max": max(writes)}


def tantivy_engine(rows: list[Row], qs: list[str]) -> dict[str, float] | None:
    try:
        import tantivy
    except ImportError:
        return None
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", stored=True, indexed=True)
    for name in ("norm", "bi", "uni"):
        sb.add_text_field(name, stored=False, tokenizer_name="ws")
    sb.add_text_field("kind", stored=False, tokenizer_name="raw")
    schema = sb.build()
    index = tantivy.Index(schema)
    index.register_tokenizer(
        "ws", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
    before = rss_mib()
    start = time.perf_counter()
    writer = index.writer(heap_size=128_000_000, num_threads=1)
    for id_, kind, _, norm, bi, uni in rows:
        writer.add_document(tantivy.Document(id=id_, norm=norm, bi=bi, uni=uni, kind=kind))
    writer.commit()
    index.reload()
    build = time.perf_counter() - start

    def query(text: str) -> Any:
        tokens = WORD.findall(text.lower())
        return tantivy.Query.boolean_query([
            (tantivy.Occur.Must, tantivy.Query.fuzzy_term_query(
                schema, "norm", token, distance=1 if len(token) >= 4 else 0,
                prefix=i == len(tokens) - 1))
            for i, token in enumerate(tokens)])

    searcher = index.searcher()
    times = []
    for q in qs:
        start = time.perf_counter()
        found = searcher.search(query(q), 10)
        [searcher.doc(address)["id"][0] for _, address in found.hits]
        times.append((time.perf_counter() - start) * 1000)
    writes = []
    for i in range(30):
        start = time.perf_counter()
        writer.add_document(tantivy.Document(id=10_000_000 + i, norm=f"bench state {i}", bi="",
                                             uni="", kind="entity"))
        writer.commit()
        index.reload()
        index.searcher()
        writes.append((time.perf_counter() - start) * 1000)
    return {"build_s": build, "rss_mib": rss_mib() - before,
            "p50": statistics.median(times), "p99": percentile(times, 0.99),
            "write_p50": statistics.median(writes), "write_max": max(writes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows, ours, qs = our_rows(args.size, Path(tmp))
    print(f"{len(rows):,} rows; our whole build (read the store, fold, index, tables) "
          f"{ours['build_s']:.2f} s; our search (with labels, types, snippets) p50 "
          f"{ours['p50']:.2f} ms, p99 {ours['p99']:.2f} ms")
    fts = fts5(rows)
    print(f"FTS5 full-text part: build {fts['build_s']:.2f} s, {fts['db_mib']:.0f} MiB of "
          f"database pages (+{fts['rss_mib']:.0f} MiB RSS); "
          f"one-row write p50 {fts['write_p50']:.2f} ms, max {fts['write_max']:.2f} ms")
    tv = tantivy_engine(rows, qs)
    if tv is None:
        print("Tantivy: not installed here (pip install tantivy)")
        return
    print(f"Tantivy: build {tv['build_s']:.2f} s, +{tv['rss_mib']:.0f} MiB RSS; search (ids "
          f"only) p50 {tv['p50']:.2f} ms, p99 {tv['p99']:.2f} ms; one-document write made "
          f"visible p50 {tv['write_p50']:.2f} ms, max {tv['write_max']:.2f} ms")


if __name__ == "__main__":
    main()

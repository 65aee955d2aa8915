"""``/healthz``: 200 with the store's name and triple count, 503 if the store cannot answer.

It also reports the result cache (web/resultcache.py: entries, bytes, hits, misses, or null
when off), so an operator can see whether the cache earns its memory, and what is running:
``version`` (the package) and ``build`` (the dataset's content hash, from its description;
null when the store has none); and the full-text index (``search``: texts and build seconds,
null until it is built)."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify

from .. import __version__
from .context import state
from .description import dataset_build

bp = Blueprint("health", __name__)
log = logging.getLogger("alliance_kg.web")


@bp.route("/healthz", methods=["GET"])
def healthz() -> Response:
    st = state()
    try:
        graphs = st.store.graph_names()
        triples = st.store.count(None) + sum(st.store.count(g) for g in graphs)
        build = dataset_build(st)
    except Exception as exc:  # the point of a health check: any failure is "unhealthy"
        log.warning("health check failed: %s", exc)
        resp = jsonify(status="unavailable", store=st.store.name,
                       message=f"the store cannot answer: {type(exc).__name__}")
        resp.status_code = 503
        resp.headers["Retry-After"] = "5"
    else:
        cache = st.results
        resp = jsonify(status="ok", store=st.store.name, triples=triples, graphs=len(graphs),
                       generation=st.generation, version=__version__, build=build,
                       result_cache=None if cache is None else {
                           "entries": len(cache), "bytes": cache.size, "hits": cache.hits,
                           "misses": cache.misses},
                       # the full-text index (web/search.py): null while it is being built
                       search=None if st.search is None else {
                           "texts": st.search.size(),
                           "build_seconds": round(st.search.build_seconds, 3)})
    resp.headers["Cache-Control"] = "no-store"
    return resp

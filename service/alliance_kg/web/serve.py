"""``run(settings)``: build if needed, load the dataset into the store, serve with waitress.

Called by ``alliance-kg serve``. Steps: ``knowledge.build.ensure_built`` (the TriG in ``dist/``),
``store.registry.create`` (memory / oxigraph / remote), load the dataset unless the store
already holds data (a persistent Oxigraph directory keeps the writes made through the service),
print the URL and the triples per graph, then serve the app with waitress using
``settings.threads`` worker threads. Never Flask's development server.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import waitress

from ..config import Settings
from ..formats import BY_KEY, by_path
from ..store.base import Store
from . import logging as access_logging
from .app import create_app


def load_dataset(store: Store, path: Path) -> bool:
    """Load the built dataset into an empty store; False (nothing done) if it has data."""
    if store.graph_names() or store.count(None):
        return False
    fmt = by_path(path) or BY_KEY["trig"]
    store.load(path.read_bytes(), fmt)
    return True


def load_merged(store: Store, dataset: Path) -> None:
    """Load the sources ``alliance-kg merge`` keeps beside the dataset, each in its own graph."""
    from ..knowledge.merge import merged_path

    merged = merged_path(dataset)
    if merged.exists():
        store.load(merged.read_bytes(), BY_KEY["nquads"])


def banner(settings: Settings, store: Store, loaded_from: Path | None, out: TextIO) -> None:
    url = f"http://{settings.host}:{settings.port}"
    counts = {g: store.count(g) for g in store.graph_names()}
    default = store.count(None)
    source = f"loaded from {loaded_from}" if loaded_from else "existing store content"
    print(f"alliance-kg: {store.name} store, {source}", file=out)
    width = max((len(g) for g in counts), default=10)
    for g, n in sorted(counts.items()):
        print(f"  {g:<{width}}  {n:>9} triples", file=out)
    if default:
        print(f"  {'(store default graph)':<{width}}  {default:>9} triples", file=out)
    print(f"  {'total':<{width}}  {sum(counts.values()) + default:>9} triples", file=out)
    mode = "read-write (bearer token)" if settings.allow_update else "read-only"
    print(f"alliance-kg: SPARQL endpoint {url}/sparql ({mode}); graph store "
          f"{url}/rdf-graph-store; VoID {url}/.well-known/void; {settings.threads} threads",
          file=out, flush=True)


def proxy_options(settings: Settings) -> dict[str, object]:
    """waitress's reverse-proxy settings: believe X-Forwarded-* only from the trusted proxy.

    The app builds absolute URLs (``Location`` of a new graph, graph IRIs named by their
    URL, the service description's endpoint) from the request's host and scheme, so behind a
    proxy those must be the public ones. waitress rewrites them from the forwarded headers
    of a peer whose address is ``trusted_proxy`` and strips such headers from anyone else
    (which is why werkzeug's ProxyFix, which trusts any peer, is not used)."""
    if not settings.trusted_proxy:
        return {}
    return {"trusted_proxy": settings.trusted_proxy,
            "trusted_proxy_count": settings.trusted_proxy_count,
            "trusted_proxy_headers": settings.trusted_proxy_headers}


def run(settings: Settings, *, dataset: Path | None = None, store: Store | None = None) -> None:
    """Serve until interrupted. ``dataset``/``store`` override the built file and the registry
    (tests use them to serve a fixture)."""
    if dataset is None:
        from ..knowledge.build import ensure_built

        dataset = ensure_built(settings)
    if store is None:
        from ..store.registry import create

        store = create(settings)
    loaded = load_dataset(store, dataset)
    if loaded:
        load_merged(store, dataset)
    app = create_app(settings, store)
    access_logging.configure()
    banner(settings, store, dataset if loaded else None, sys.stdout)
    try:
        waitress.serve(
            app,
            host=settings.host,
            port=settings.port,
            threads=settings.threads,
            ident="alliance-kg",
            # waitress's own cap, a little above ours so that ours answers with a clear 413
            max_request_body_size=settings.max_body_bytes + 65536,
            clear_untrusted_proxy_headers=True,
            _quiet=True,
            **proxy_options(settings),
        )
    finally:
        store.close()

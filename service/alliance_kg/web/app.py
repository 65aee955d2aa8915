"""The app factory: ``create_app(settings, store)`` wires the blueprints to one store.

One blueprint per protocol (:mod:`.sparql` query + update, :mod:`.gsp` Graph Store Protocol,
:mod:`.description` service description + VoID, :mod:`.health`, :mod:`.openapi`,
:mod:`.merge` merging into the running service); errors go through :mod:`.errors`; CORS by
flask-cors, gzip by flask-compress, access logs by :mod:`.logging` and the trusted reverse
proxy's forwarded headers by :mod:`.proxy` (both WSGI middleware).
The factory never starts a server: :mod:`.serve` does.
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress
from flask_cors import CORS

from ..config import Settings
from ..formats import FORMATS
from ..store.base import Store
from . import (
    auth,
    describe,
    description,
    diagrams,
    errors,
    explain,
    gsp,
    headers,
    health,
    ldcontext,
    merge,
    ontodoc,
    openapi,
    search,
    sparql,
    ui,
    writes,
)
from .context import EXTENSION, AppState
from .logging import AccessLog
from .proxy import TrustedProxy
from .resultcache import ResultCache

#: bodies worth compressing: every text/JSON/RDF type we send
COMPRESS_MIMETYPES = sorted(
    {f.media_type for f in FORMATS}
    | {"text/plain", "application/json", "text/html", "application/problem+json",
       "image/svg+xml"}
)
#: request headers a browser may send cross-origin (preflight), and headers it may read
CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "Accept", "If-None-Match"]
CORS_EXPOSE_HEADERS = ["ETag", "Location", "Retry-After", "WWW-Authenticate", "Content-Length"]


def create_app(settings: Settings, store: Store | None = None) -> Flask:
    """A Flask app serving ``store`` (default: a new one from the store registry)."""
    if store is None:
        from ..store.registry import create

        store = create(settings)
    auth.check_configuration(settings)
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
        COMPRESS_MIMETYPES=COMPRESS_MIMETYPES,
        COMPRESS_ALGORITHM=["gzip"],
        COMPRESS_STREAMS=False,
        COMPRESS_MIN_SIZE=500,
    )
    state = AppState(settings=settings, store=store,
                     results=ResultCache.enabled_for(settings, store.name))
    app.extensions[EXTENSION] = state
    if settings.allow_update:
        writes.prepare(state)
    search.prepare(state)  # the full-text index, in the background (/search waits for it)
    for module in (sparql, gsp, description, health, openapi):
        app.register_blueprint(module.bp)
    # merging an external source into the running service (knowledge/merge.py, as the CLI)
    app.register_blueprint(merge.bp)
    # people's pages: the query UI at / and the ontology documentation at /ontology
    app.register_blueprint(ui.bp)
    app.register_blueprint(ontodoc.bp)
    # dereferenceable IRIs (resource pages, data documents), the JSON-LD context, diagrams,
    # explanations (/explain: proofs of statements, down to the source sentences), /search
    for module in (describe, diagrams, ldcontext, explain, search):
        app.register_blueprint(module.bp)
    errors.register(app)
    headers.register(app)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()] or ["*"]
    wildcard = origins == ["*"]
    if not wildcard:
        app.after_request(headers.vary_origin)
    # any origin: the static "*" (no credentials are used), the same answer for every origin
    CORS(app, origins="*" if wildcard else origins, send_wildcard=wildcard,
         allow_headers=CORS_ALLOW_HEADERS, expose_headers=CORS_EXPOSE_HEADERS,
         methods=["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"], max_age=600)
    Compress(app)
    # outermost: forwarded headers are believed (or stripped) before anything reads them
    app.wsgi_app = TrustedProxy(AccessLog(app.wsgi_app), settings)  # type: ignore[method-assign]
    return app

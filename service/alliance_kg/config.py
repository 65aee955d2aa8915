"""Configuration: one dataclass, read from ``ALLIANCE_KG_*`` environment variables.

The CLI builds a :class:`Settings` from the environment and overrides fields from its options;
the web app factory takes a ``Settings``. Nothing else reads the environment.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

ENV_PREFIX = "ALLIANCE_KG_"


def _find_root() -> Path:
    """The project folder holding ``ontology/``, ``data/`` and ``shapes/``.

    The package is installed from the repository (editable or not); the knowledge files stay at
    the top of the repository, so we look upward from this file and from the working directory.
    """
    env = os.environ.get(ENV_PREFIX + "ROOT")
    if env:
        return Path(env).resolve()
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for parent in (start, *start.parents):
            if (parent / "ontology").is_dir() and (parent / "shapes").is_dir():
                return parent
    return Path.cwd().resolve()


@dataclass
class Settings:
    root: Path = field(default_factory=_find_root)
    #: store backend name from the store registry: "oxigraph" (default), "memory", "remote"
    store: str = "oxigraph"
    #: data directory of a persistent store; None keeps it in memory
    store_path: str | None = None
    #: remote SPARQL 1.1 store endpoints (for store="remote")
    remote_query_url: str | None = None
    remote_update_url: str | None = None
    remote_gsp_url: str | None = None
    allow_update: bool = False
    #: bearer token required for writes (read from ALLIANCE_KG_TOKEN or ALLIANCE_KG_TOKEN_FILE)
    token: str | None = dataclasses.field(default=None, repr=False)
    #: TOML file of scoped write tokens (name, token or token_sha256, graphs), see web/auth.py
    tokens_file: str | None = None
    validate_on_update: bool = True
    query_timeout: float = 30.0  #: seconds
    max_results: int = 100_000  #: rows (SELECT) or triples (CONSTRUCT/DESCRIBE)
    #: MiB of answers to repeated read queries kept until the next write (web/resultcache.py;
    #: embedded stores only; 0 turns it off)
    result_cache_mib: float = 64.0
    max_body_bytes: int = 10 * 1024 * 1024
    max_query_length: int = 100_000  #: characters
    cors_origins: str = "*"
    #: endpoints a SERVICE clause may call (comma-separated in the environment)
    service_allowlist: tuple[str, ...] = ()
    #: let allowlisted URLs reach loopback/private/link-local addresses (web/netguard.py)
    allow_private_fetch: bool = False
    #: address of a reverse proxy whose X-Forwarded-* headers are believed (waitress's
    #: trusted_proxy; "*" trusts any peer); None ignores and strips those headers
    trusted_proxy: str | None = None
    #: proxies in front of us that append to X-Forwarded-For (waitress's trusted_proxy_count)
    trusted_proxy_count: int = 1
    #: which forwarded headers of the trusted proxy are used (space-separated, lower case)
    trusted_proxy_headers: str = "x-forwarded-for x-forwarded-host x-forwarded-proto " \
        "x-forwarded-port"
    #: public base of our IRIs, for dereferencing through the service
    public_base: str = "https://w3id.org/alliance-kg/"
    host: str = "127.0.0.1"
    port: int = 7878
    threads: int = 8  #: request threads per worker process
    #: worker processes of the HTTP server (more than 1: read-only in-memory or remote store)
    workers: int = 1
    dist_dir: str = "dist"

    @property
    def dataset_path(self) -> Path:
        return self.root / self.dist_dir / "alliance-kg.trig"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Read every field from ``ALLIANCE_KG_<FIELD>``; keyword overrides win."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _coerce(f.type, raw)
        if "token" not in values:
            token_file = env.get(ENV_PREFIX + "TOKEN_FILE")
            if token_file:
                values["token"] = Path(token_file).read_text(encoding="utf-8").strip()
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def _coerce(annotation: object, raw: str) -> object:
    ann = str(annotation)
    if ann.startswith("bool"):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if ann.startswith("int"):
        return int(raw)
    if ann.startswith("float"):
        return float(raw)
    if ann.startswith("tuple"):
        return tuple(p.strip() for p in raw.split(",") if p.strip())
    if ann.startswith("Path"):
        return Path(raw)
    return raw

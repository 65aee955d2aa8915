"""Configuration: one dataclass, read from ``ALLIANCE_KG_*`` environment variables.

The CLI builds a :class:`Settings` from the environment and overrides fields from its options;
the web app factory takes a ``Settings``. Nothing else reads the environment.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import locations

ENV_PREFIX = "ALLIANCE_KG_"


def _find_root() -> Path:
    """The project folder holding ``ontology/``, ``data/``, ``shapes/`` and ``queries/``.

    In order: ``ALLIANCE_KG_ROOT``; the checkout the package is installed from (editable, or
    pre-commit's clone); a checkout at or above the working directory (a curator with the
    wheel installed); the copy packaged in the wheel (``locations.packaged_root``, so the
    commands work from any folder); the working directory (its ``shapes/`` may be missing,
    which the commands report).
    """
    env = os.environ.get(ENV_PREFIX + "ROOT")
    if env:
        return Path(env).resolve()
    checkout = locations.find_checkout((Path(__file__).resolve(), Path.cwd().resolve()))
    if checkout is not None:
        return checkout
    return locations.packaged_root() or Path.cwd().resolve()


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
    #: the remote server's dialect: "sparql11" (as the standard says) or "virtuoso"
    #: (store/dialects.py: what that engine does differently, and how the store copes)
    remote_dialect: str = "sparql11"
    #: HTTP credentials for the remote endpoints (Virtuoso's /sparql-auth wants "digest")
    remote_user: str | None = None
    remote_password: str | None = dataclasses.field(default=None, repr=False)
    remote_auth: str = "basic"
    allow_update: bool = False
    #: bearer token required for writes (read from ALLIANCE_KG_TOKEN or ALLIANCE_KG_TOKEN_FILE)
    token: str | None = dataclasses.field(default=None, repr=False)
    #: TOML file of scoped write tokens (name, token or token_sha256, graphs), see web/auth.py
    tokens_file: str | None = None
    validate_on_update: bool = True
    #: engines of the build (``alliance-kg build|validate|merge``, and the build ``serve`` runs
    #: when the dataset is missing or stale): "fast" (default) or the references, "owlrl" for
    #: reasoning and "pyshacl" for SHACL (knowledge/engines.py; same results, proven in tests)
    reasoner: str = "fast"
    shacl: str = "fast"
    query_timeout: float = 30.0  #: seconds
    max_results: int = 100_000  #: rows (SELECT) or triples (CONSTRUCT/DESCRIBE)
    #: MiB a query process may allocate beyond the server's own mapping (0: no cap)
    query_memory_mib: int = 1024
    #: MiB of answers to repeated read queries kept until the next write (web/resultcache.py;
    #: embedded stores only; 0 turns it off)
    result_cache_mib: float = 64.0
    max_body_bytes: int = 10 * 1024 * 1024
    #: seconds a client has to send a whole request body, then 408 (web/bodytimeout.py)
    body_timeout: float = 30.0
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
    #: user data directory, where the packaged knowledge's outputs go (None: the platform's,
    #: ~/.local/share/alliance-kg on Linux; see locations.user_data_dir)
    data_dir: str | None = None

    @property
    def output_dir(self) -> Path:
        """Where build, merge and the dataset cache write: ``dist_dir`` under the checkout, or,
        for the packaged (read-only) knowledge, under the user data directory
        (``locations.output_base``). An absolute ``dist_dir`` is used as it is."""
        return locations.output_base(self.root, self.data_dir) / self.dist_dir

    @property
    def dataset_path(self) -> Path:
        return self.output_dir / "alliance-kg.trig"

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

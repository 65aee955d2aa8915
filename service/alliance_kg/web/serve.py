"""``run(settings)``: build if needed, then serve the app with granian.

Called by ``alliance-kg serve``. The main process checks the configuration, runs
``knowledge.build.ensure_built`` (the TriG in ``dist/``) and starts granian, which binds the
port and forks ``settings.workers`` worker processes (default 1). Each worker opens the store
(``store.registry.create``: memory / oxigraph / remote), loads the dataset unless the store
already holds data (a persistent Oxigraph directory keeps the writes made through the service),
prints the URL and the triples per graph, and answers requests on ``settings.threads`` threads.
granian serves ASGI (:mod:`.bodytimeout`): a request body is received on the event loop under
``settings.body_timeout`` before the Flask app sees the request on a thread.

Why granian and not waitress: measured (docs/BENCHMARKS.md), Flask answering a constant body
on waitress reached only 0.3x of a native ``oxigraph serve``, so no service on waitress could
come near the native server whatever its query path; granian does its HTTP work in Rust
outside the GIL. Why the store is opened in the worker and not before the fork: a RocksDB
store's background threads do not survive a fork. Never Flask's development server.
"""

from __future__ import annotations

import functools
import multiprocessing
import multiprocessing.util
import os
import socket
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server import Server

from ..config import Settings
from ..errors import ErrorKind, KGError
from ..formats import BY_KEY, by_path
from ..store import sandbox
from ..store.base import Store
from ..store.executor import die_with_parent
from . import auth, bodytimeout, proxy
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
          f"{url}/rdf-graph-store; VoID {url}/.well-known/void; {settings.workers} "
          f"worker(s) x {settings.threads} threads",
          file=out, flush=True)


#: granian's own log lines go to stderr with a prefix; warnings and errors only
LOG_CONFIG: dict[str, Any] = {
    "formatters": {"generic": {"()": "logging.Formatter",
                               "fmt": "granian: [%(levelname)s] %(message)s"}},
    "handlers": {"console": {"formatter": "generic", "class": "logging.StreamHandler",
                             "stream": "ext://sys.stderr"}},
    "loggers": {"_granian": {"handlers": ["console"], "level": "WARNING",
                             "propagate": False}},
}


def check_workers(settings: Settings) -> None:
    """More than one worker only where every worker sees the same data.

    Each worker process opens its own store: on a remote store they share the server's data;
    on an in-memory store each holds its own copy, which stays equal only while nobody writes;
    a persistent Oxigraph directory can be opened by one process only."""
    if settings.workers < 1:
        raise KGError(ErrorKind.BAD_INPUT, "ALLIANCE_KG_WORKERS must be at least 1")
    if settings.workers == 1 or settings.store == "remote":
        return
    if settings.allow_update or settings.store_path:
        raise KGError(ErrorKind.BAD_INPUT, f"{settings.workers} workers need a read-only "
                      "service on an in-memory store, or a remote store: each worker opens "
                      "its own store, so a write made through one would not be seen by the "
                      "others (and a store directory can be opened by one process only)")


def _worker_app(settings: Settings, dataset: Path, parent: int, failures: Any,
                started: Any, _target: str) -> Any:
    """Runs in each granian worker: open the store, load the data, return the ASGI app.

    A start-up error is handed to the main process (``failures``) so that ``serve`` ends with
    the same message and exit code as any other command, not a worker's traceback."""
    die_with_parent(parent)  # a SIGKILLed main process must not leave a worker on the port
    try:
        from ..store.registry import create

        store = create(settings)
        loaded = load_dataset(store, dataset)
        if loaded:
            load_merged(store, dataset)
        app = create_app(settings, store)
    except KGError as exc:
        failures.put((exc.kind.value, exc.message, exc.file, exc.line, exc.column))
        os._exit(1)
    except OSError as exc:  # e.g. a store directory that is a file, or is not writable
        where = f" {settings.store_path}" if settings.store_path else ""
        failures.put((ErrorKind.UNAVAILABLE.value, f"cannot open the {settings.store} "
                      f"store{where}: {exc}", None, None, None))
        os._exit(1)
    # multiprocessing runs these finalizers when the worker process ends normally (SIGTERM
    # from the main process); atexit handlers do not run in a multiprocessing child
    multiprocessing.util.Finalize(None, store.close, exitpriority=10)
    app.before_request(bodytimeout.refuse_timed_out)  # the bridge's 408
    access_logging.configure()
    banner(settings, store, dataset if loaded else None, sys.stdout)
    started.set()
    return bodytimeout.WSGIBridge(app, timeout=settings.body_timeout,
                                  max_bytes=settings.max_body_bytes, threads=settings.threads)


def _respawn_once_started(server: Any, started: Any) -> None:
    """Let granian respawn a worker that dies, once one has started.

    A worker that dies while serving (a parser overflowing its stack, a SIGKILL, the OOM
    killer) is replaced, so one request cannot stop the service for good. A worker that fails
    at start would fail again, so until one has started a failure still ends ``serve`` with its
    message; granian itself gives up when a respawned worker dies again within seconds."""
    def wait() -> None:
        started.wait()
        server.respawn_failed_workers = True

    threading.Thread(target=wait, name="respawn-after-start", daemon=True).start()


def check_port_free(host: str, port: int) -> None:
    """Fail if something listens on the address already.

    granian's workers bind with SO_REUSEPORT, so a second ``serve`` on a taken port would not
    fail: the kernel would share the connections between two services with different stores.
    A plain bind (no SO_REUSEPORT) is refused by any socket on the port, granian's included."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise KGError(ErrorKind.BAD_INPUT, f"cannot listen on {host}:{port}: {exc}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise KGError(ErrorKind.UNAVAILABLE, f"cannot listen on {host}:{port}: "
                          f"{exc.strerror or exc}") from None


def run(settings: Settings, *, dataset: Path | None = None) -> None:
    """Serve until interrupted (SIGINT/SIGTERM: in-flight requests finish, then the workers
    stop). ``dataset`` overrides the built file (tests use it to serve a fixture)."""
    auth.check_configuration(settings)
    proxy.headers_of(settings)
    check_workers(settings)
    if dataset is None:
        from ..knowledge.build import ensure_built

        dataset = ensure_built(settings)
    if not sandbox.supported():
        print("alliance-kg: warning: queries run without the network sandbox on this platform "
              "(it needs Linux on x86_64 or aarch64): the engine's own connections are not "
              "refused (docs/OPERATIONS.md, threat model)", file=sys.stderr)
    check_port_free(settings.host, settings.port)
    context = multiprocessing.get_context()
    failures = context.SimpleQueue()
    started = context.Event()
    server = Server(
        "alliance_kg.web.app:create_app",  # for granian's logs only: the loader builds the app
        address=settings.host,
        port=settings.port,
        # ASGI without lifespan: the request threads are bodytimeout.WSGIBridge's
        interface=Interfaces.ASGINL,
        workers=settings.workers,
        http=HTTPModes.http1,
        websockets=False,
        http1_settings=HTTP1Settings(header_read_timeout=30_000),
        log_level=LogLevels.warning,
        log_dictconfig=LOG_CONFIG,
        # a keep-alive connection must not hold a stopping server past the longest query
        workers_kill_timeout=int(settings.query_timeout) + 5,
        respawn_failed_workers=False,  # switched on once a worker has started
    )
    _respawn_once_started(server, started)
    sys.stdout.flush()
    try:
        server.serve(target_loader=functools.partial(
            _worker_app, settings, dataset, os.getpid(), failures, started))
    except SystemExit as exc:
        if not failures.empty():
            kind, message, file, line, column = failures.get()
            raise KGError(ErrorKind(kind), message, file, line, column) from None
        if exc.code:
            raise KGError(ErrorKind.INTERNAL, "the server's worker stopped unexpectedly "
                          "(see the messages above)") from None
    except OSError as exc:  # the port is taken, or the address cannot be bound
        raise KGError(ErrorKind.UNAVAILABLE, f"cannot listen on {settings.host}:"
                      f"{settings.port}: {exc.strerror or exc}") from None

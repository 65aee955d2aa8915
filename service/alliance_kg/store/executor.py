"""Run one query with a timeout that really stops it, and a cap on the result's size.

Neither pyoxigraph nor rdflib looks at Python signals or flags while it evaluates, so a runaway
query cannot be stopped in the thread that runs it. For such stores queries run in **worker
processes forked from the server**: a worker inherits the store (copy-on-write, nothing pickled:
a consistent snapshot), evaluates, serializes and sends the bytes back through a pipe. When the
timeout passes first, the parent kills that worker and answers ``KGError(TIMEOUT)`` at once; the
request thread is free again and the store is untouched.

Workers are kept and reused (a fork per query costs milliseconds; reuse costs a pipe round
trip). Each remembers the store's ``version`` it was forked at: after any write the store's
version moves on, and a worker of an older version is retired instead of reused, so every query
sees every write acknowledged before it started. A store that stops its own work
(``killable_in_thread``: a remote server with an HTTP timeout) runs in the calling thread, and
so does every query when the timeout is 0 (no timeout).

Forking a threaded server is safe here because the store holds its ``fork_lock`` while it
writes and the executor forks only under that lock, so no write is ever half-done in a child;
the child only reads the store and writes its pipe, and a store whose reads take a Python lock
resets it in :meth:`~alliance_kg.store.base.Store.after_fork`.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import select
import signal
import threading
import weakref
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, NamedTuple, get_args

from ..errors import ErrorKind, KGError
from ..formats import BY_KEY, Format
from . import sandbox
from .analysis import (
    BUDGET_SECONDS,
    READ_WAIT_SECONDS,
    UNREAD,
    QueryFacts,
    analyse,
    read_budget,
    read_services,
)
from .base import GraphName, QueryForm, Store

#: seconds a killed or retired worker gets to go away before we stop waiting for it
_REAP_SECONDS = 5.0
#: idle workers kept per store (more are forked when more queries run at once)
IDLE_WORKERS = 8

#: per query form, the chosen format's key, or the error choosing it raised
Choices = dict[str, "str | tuple[str, str]"]


def _choices(choose_format: Callable[[QueryForm], Format]) -> Choices:
    """The format for every query form, decided in the parent (the request's negotiation)."""
    out: Choices = {}
    for form in get_args(QueryForm):
        try:
            out[form] = choose_format(form).key
        except KGError as exc:
            out[form] = (exc.kind.value, exc.message)
    return out


def _chosen(choices: Choices) -> Callable[[QueryForm], Format]:
    """The parent's decisions as the worker's ``choose_format``."""
    def choose(form: QueryForm) -> Format:
        choice = choices[form]
        if isinstance(choice, tuple):
            raise KGError(ErrorKind(choice[0]), choice[1])
        return BY_KEY[choice]
    return choose


class Dataset(NamedTuple):
    """The protocol's dataset for a query: ``explicit`` when the request named it
    (``default-graph-uri``/``named-graph-uri``), which then wins over the query's FROM."""

    default_graphs: Sequence[GraphName] | None
    named_graphs: Sequence[str] | None
    explicit: bool = False


#: the store's own default graph and every named graph (the query's FROM still applies)
NO_DATASET = Dataset(None, None)


class Answer(NamedTuple):
    fmt: Format
    body: bytes
    facts: QueryFacts


class NetworkAttempt(KGError):
    """The engine tried to open a network connection (a SERVICE call, however spelt): the
    sandbox refused it. The web layer answers 403 or hands the query to the federation path."""

    def __init__(self, facts: QueryFacts = UNREAD) -> None:
        super().__init__(ErrorKind.FORBIDDEN, "the query calls a SERVICE endpoint: this server "
                         "fetches only from the endpoints on its allowlist "
                         "(ALLIANCE_KG_SERVICE_ALLOWLIST)")
        self.facts = facts


def _evaluate(store: Store, sparql: str, choose_format: Callable[[QueryForm], Format],
              dataset: Dataset, facts: QueryFacts, base_iri: str | None, limit: int | None
              ) -> tuple[Format, bytes]:
    """Evaluate, then negotiate for the form the query turned out to have (a syntax error
    wins over an unacceptable format), then serialize under the cap."""
    default_graphs, named_graphs = dataset.default_graphs, dataset.named_graphs
    if facts.has_dataset and not dataset.explicit:
        default_graphs = named_graphs = None  # the query's own FROM / FROM NAMED
    result = store.query(sparql, default_graphs=default_graphs, named_graphs=named_graphs,
                         base_iri=base_iri)
    fmt = choose_format(result.form)
    return fmt, result.serialize(fmt, limit=limit)


def _answer(store: Store, request: tuple[Any, ...]) -> tuple[Any, ...]:
    if request[0] is None:  # read_query: the facts and SERVICE endpoints only (or a reader's)
        try:
            if len(request) > 2:  # another reader of the parse: bounded like read_services
                with read_budget(BUDGET_SECONDS):
                    return ("read", *request[2](request[1], BUDGET_SECONDS))
            return ("read", *read_services(request[1], BUDGET_SECONDS))
        except KGError as exc:
            return ("error", exc.kind.value, exc.message, exc.line, exc.column, exc.file)
    sparql, choices, dataset, facts, *rest = request
    facts = facts or analyse(sparql, BUDGET_SECONDS)
    if facts.calls_service:  # the federation path's engine reads and runs it (or refuses)
        return ("network", facts)
    sandbox.network_attempted()
    try:
        fmt, body = _on_query_stack(_evaluate, store, sparql, _chosen(choices),
                                    Dataset(*dataset), facts, *rest)
        if sandbox.network_attempted():
            return ("network", facts)
        return ("ok", fmt.key, body, facts)
    except KGError as exc:
        if sandbox.network_attempted():
            return ("network", facts)
        return ("error", exc.kind.value, exc.message, exc.line, exc.column, exc.file)
    except MemoryError:
        return ("error", ErrorKind.TOO_LARGE.value, "the query needed more memory than a "
                "query may use (ALLIANCE_KG_QUERY_MEMORY_MIB)", None, None, None)
    except Exception as exc:  # reported to the parent, which raises it
        if sandbox.network_attempted() or _service_error(exc, facts):
            return ("network", facts)
        if isinstance(exc, RuntimeError):  # an evaluation error: the query's fault
            return ("error", ErrorKind.BAD_INPUT.value, f"query failed: {exc}", None, None,
                    None)
        return ("error", ErrorKind.INTERNAL.value, f"{type(exc).__name__}: {exc}",
                None, None, None)


#: stack of the thread a worker evaluates on: it decides how deeply a query may nest before the
#: engine's parser overflows it (a segfault, answered 400 by :func:`_death`), whichever thread
#: forked the worker (a request thread, or the main thread at start-up: 8 MiB there)
QUERY_STACK_BYTES = 2 * 1024 * 1024


def _on_query_stack(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` on a fresh thread with :data:`QUERY_STACK_BYTES` of stack; what it raises
    is raised here. (The analysis before it stays on the worker's main thread, where its
    SIGALRM budget works.)"""
    out: list[Any] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            out.append(fn(*args))
        except BaseException as exc:  # handed to the caller's handlers
            failed.append(exc)

    previous = threading.stack_size(QUERY_STACK_BYTES)
    try:
        thread = threading.Thread(target=run, name="query")
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    if failed:
        raise failed[0]
    return out[0]


#: seconds an idle worker waits for a request before it checks that its server still lives
_PARENT_CHECK_SECONDS = 1.0


def _send(conn: Connection, message: tuple[Any, ...]) -> None:
    """``conn.send`` without multiprocessing's ForkingPickler (a new pickler with its reducer
    table per message, 2 us of each side's CPU per query): messages are plain tuples of str,
    bytes, numbers and lists, which plain pickle writes the same. ``conn.recv`` reads them."""
    conn.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))


def _poller(conn: Connection) -> select.poll:
    """A poll object for ``conn``, made once per worker: ``Connection.poll`` builds and tears
    down a selector on every call (4 us of CPU per query on each side). Like it, it wakes on
    data, EOF and errors alike (poll always reports POLLHUP and POLLERR), and ``recv`` then
    tells which."""
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    return poller


def die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this worker when the server dies (PR_SET_PDEATHSIG).

    A server stopped by a signal runs no exit handlers, so multiprocessing never reaps its
    daemon workers; an orphaned worker would keep the inherited listening socket (the port
    stays taken) and the store's files open. Elsewhere the idle loop's parent check does it.
    """
    try:
        sandbox.LIBC.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the server died before prctl took effect
        os._exit(0)


def _worker_main(conn: Connection, store: Store, parent: int, memory_mib: int) -> None:
    die_with_parent(parent)
    store.after_fork()
    if sandbox.supported():
        sandbox.deny_network(trap=True)
    sandbox.limit_memory(memory_mib)
    poller = _poller(conn)
    while True:
        try:
            if not poller.poll(_PARENT_CHECK_SECONDS * 1000):
                if os.getppid() != parent:
                    return
                continue
            request = conn.recv()
        except (EOFError, OSError):
            return
        _send(conn, _answer(store, request))


class _Worker:
    def __init__(self, store: Store, memory_mib: int) -> None:
        ctx = multiprocessing.get_context("fork")
        #: handed out again from the pool (it may have died since it was last seen alive)
        self.reused = False
        self.conn, child = ctx.Pipe(duplex=True)
        with store.fork_lock:  # never fork in the middle of a write
            self.version = store.version
            self.proc = ctx.Process(target=_worker_main, daemon=True,
                                    args=(child, store, os.getpid(), memory_mib))
            self.proc.start()
        child.close()
        self.poller = _poller(self.conn)

    def usable(self, store: Store) -> bool:
        return self.version == store.version and self.proc.is_alive()

    def stop(self) -> None:
        # Killed, not asked to leave: every worker forked after this one inherited a copy of
        # this pipe's parent end, so closing ours never gives it EOF, and waiting for it to
        # leave stalled the request that retired it for _REAP_SECONDS. A worker holds nothing
        # that needs a clean exit (it only reads a copy-on-write snapshot).
        self.conn.close()
        self.proc.kill()
        self.proc.join(_REAP_SECONDS)


class _Pool:
    def __init__(self) -> None:
        self.memory_mib = 0
        self.idle: list[_Worker] = []
        self.lock = threading.Lock()

    def acquire(self, store: Store) -> _Worker:
        stale: list[_Worker] = []
        found: _Worker | None = None
        with self.lock:
            while self.idle and found is None:
                worker = self.idle.pop()
                if worker.usable(store):
                    found = worker
                    found.reused = True
                else:
                    stale.append(worker)
        for old in stale:
            old.stop()
        return found or _Worker(store, self.memory_mib)

    def release(self, worker: _Worker, store: Store) -> None:
        # the worker has just answered, so it is alive: only the version is checked here (a
        # waitpid per check was a measurable share of a small query)
        with self.lock:
            if worker.version == store.version and len(self.idle) < IDLE_WORKERS:
                self.idle.append(worker)
                return
        worker.stop()

    def close(self) -> None:
        """Stop every idle worker: called when the pool's store is gone, whose snapshot they
        hold (else each store ever queried would leave its workers, and the pipes and files
        they inherited, behind until the process exits)."""
        with self.lock:
            idle, self.idle = self.idle, []
        for worker in idle:
            worker.stop()


_POOLS: weakref.WeakKeyDictionary[Store, _Pool] = weakref.WeakKeyDictionary()
_POOLS_LOCK = threading.Lock()


def _pool(store: Store) -> _Pool:
    with _POOLS_LOCK:
        pool = _POOLS.get(store)
        if pool is None:
            pool = _POOLS[store] = _Pool()
            weakref.finalize(store, pool.close)
        return pool


def _in_worker(pool: _Pool, store: Store, request: tuple[Any, ...],
               timeout: float) -> tuple[Any, ...]:
    """One query in a pooled worker. A kept worker may have died while idle (its death signal
    follows the *thread* that forked it, or it was killed) after the pool saw it alive: a query
    it drops without an answer is sent once more, to a worker this thread forks fresh. A fresh
    worker that dies is the query's own doing and is reported."""
    while True:
        worker = pool.acquire(store)
        try:
            _send(worker.conn, request)
            if not worker.poller.poll(timeout * 1000):
                worker.stop()
                raise KGError(ErrorKind.TIMEOUT,
                              f"the query ran longer than {timeout:g} s and was stopped; "
                              "narrow it (a LIMIT, more specific patterns) or ask the operator "
                              "for a longer timeout")
            message: tuple[Any, ...] = worker.conn.recv()
        except (EOFError, OSError):
            worker.stop()
            if worker.reused:
                continue
            raise _death(worker.proc.exitcode) from None
        pool.release(worker, store)
        return message


def _death(exitcode: int | None) -> KGError:
    """A fresh worker that died on a query: what its end says about the query."""
    if exitcode == -signal.SIGSEGV:
        return KGError(ErrorKind.BAD_INPUT, "the engine could not evaluate this query (it "
                       "overflowed its stack): nest groups and expressions less deeply")
    if exitcode == -signal.SIGABRT:
        return KGError(ErrorKind.TOO_LARGE, "the query needed more memory than a query may use "
                       "(ALLIANCE_KG_QUERY_MEMORY_MIB)")
    return KGError(ErrorKind.INTERNAL, f"the query process ended without an answer (exit "
                   f"code {exitcode})")


def execute_query(store: Store, sparql: str, *, choose_format: Callable[[QueryForm], Format],
                  dataset: Dataset = NO_DATASET, facts: QueryFacts | None = None,
                  base_iri: str | None = None, timeout: float | None, limit: int | None,
                  memory_mib: int = 0) -> Answer:
    """Evaluate and serialize; ``KGError(TIMEOUT)`` after ``timeout`` seconds (None or 0: no
    limit, evaluated in the calling thread), ``KGError(TOO_LARGE)`` past ``limit``
    rows/triples or ``memory_mib``, :class:`NetworkAttempt` if the engine tried to connect.
    ``facts`` known from an earlier run spare the analysis.

    In the calling thread the format is negotiated only for the form the query has; a worker
    gets the parent's choice for every form (it cannot call back), decided before it runs."""
    if store.killable_in_thread or timeout is None or timeout <= 0:
        return _in_thread(store, sparql, choose_format, dataset, facts, base_iri, limit)
    pool = _pool(store)
    pool.memory_mib = memory_mib
    request = (sparql, _choices(choose_format), tuple(dataset), facts, base_iri, limit)
    message = _in_worker(pool, store, request, timeout)
    if message[0] == "ok":
        return Answer(BY_KEY[message[1]], message[2], message[3])
    if message[0] == "network":
        raise NetworkAttempt(message[1])
    _, kind, text, line, column, file = message
    raise KGError(ErrorKind(kind), text, line=line, column=column, file=file)


def read_with(store: Store, sparql: str, reader: Callable[[str, float], tuple[Any, ...]]
              ) -> tuple[Any, ...]:
    """``reader(sparql, budget)`` in a pooled worker (killed past the read wait), under the
    read budget: rdflib takes up to a minute on some hostile queries, holding its parser's
    lock, so the request thread never parses. ``reader`` must be a module-level function (it
    is sent). Raises ``KGError(BAD_INPUT)`` for a query that cannot be read, or not in time."""
    if not sandbox.supported():  # no killable workers here: bounded only by SIGPROF's absence
        return reader(sparql, BUDGET_SECONDS)
    request = (None, sparql) if reader is read_services else (None, sparql, reader)
    try:
        message = _in_worker(_pool(store), store, request, READ_WAIT_SECONDS)
    except KGError as exc:
        if exc.kind is not ErrorKind.TIMEOUT:
            raise
        raise KGError(ErrorKind.BAD_INPUT, f"the query could not be read within "
                      f"{BUDGET_SECONDS:g} s: simplify it, e.g. nest expressions less "
                      "deeply") from None
    if message[0] == "read":
        return tuple(message[1:])
    _, kind, text, line, column, file = message
    raise KGError(ErrorKind(kind), text, line=line, column=column, file=file)


def read_query(store: Store, sparql: str) -> tuple[QueryFacts, list[str | None]]:
    """:func:`~.analysis.read_services` through :func:`read_with`: the facts and SERVICE
    endpoints of a query whose engine makes its own calls (the remote store)."""
    facts, services = read_with(store, sparql, read_services)
    return facts, services


def _service_error(exc: BaseException, facts: QueryFacts) -> bool:
    """An engine error that reports a SERVICE it could not call: an unbound endpoint variable,
    a port the engine refuses by itself, or a socket the sandbox refused."""
    if isinstance(exc, RuntimeError) and "service" in str(exc).lower():
        return True
    return isinstance(exc, OSError) and (facts.calls_service or not facts.read)


def _sandboxed_evaluation(store: Store, sparql: str,
                          choose_format: Callable[[QueryForm], Format], dataset: Dataset,
                          facts: QueryFacts, base_iri: str | None, limit: int | None
                          ) -> tuple[Any, ...]:
    """:func:`_evaluate` on a sandboxed thread, its outcome as plain values: pyoxigraph objects
    must be dropped on the thread that made them, so no exception leaves it."""
    try:
        fmt, body = _evaluate(store, sparql, choose_format, dataset, facts, base_iri, limit)
        return ("ok", fmt, body)
    except Exception as exc:
        if sandbox.refused_network(exc) or _service_error(exc, facts):
            return ("network",)
        if isinstance(exc, KGError):
            return ("error", exc.kind, exc.message, exc.line, exc.column, exc.file)
        if isinstance(exc, RuntimeError):  # an evaluation error: the query's fault
            return ("error", ErrorKind.BAD_INPUT, f"query failed: {exc}", None, None, None)
        return ("error", ErrorKind.INTERNAL, f"{type(exc).__name__}: {exc}", None, None, None)


def _in_thread(store: Store, sparql: str, choose_format: Callable[[QueryForm], Format],
               dataset: Dataset, facts: QueryFacts | None, base_iri: str | None,
               limit: int | None) -> Answer:
    """A remote store's query in the calling thread (the server it calls is the engine); an
    embedded engine's on a sandboxed thread, where a connection attempt fails."""
    if facts is not None:
        known = facts
    elif sandbox.supported():
        try:
            known = read_query(store, sparql)[0]
        except KGError:  # the engine reports the syntax error, with its position
            known = UNREAD
    else:
        known = analyse(sparql)
    if known.calls_service and not store.killable_in_thread:
        raise NetworkAttempt(known)
    if store.killable_in_thread or not sandbox.supported():
        try:
            fmt, body = _evaluate(store, sparql, choose_format, dataset, known, base_iri, limit)
            return Answer(fmt, body, known)
        except KGError as exc:
            raise KGError(exc.kind, exc.message, line=exc.line, column=exc.column,
                          file=exc.file) from None
        except Exception as exc:
            raise KGError(ErrorKind.INTERNAL, f"{type(exc).__name__}: {exc}") from None
    outcome = sandbox.run_sandboxed(_sandboxed_evaluation, store, sparql, choose_format,
                                    dataset, known, base_iri, limit)
    if outcome[0] == "ok":
        return Answer(outcome[1], outcome[2], known)
    if outcome[0] == "network":
        raise NetworkAttempt(known)
    _, kind, text, line, column, file = outcome
    raise KGError(kind, text, line=line, column=column, file=file)

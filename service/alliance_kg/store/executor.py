"""Run one query with a timeout that really stops it, and a cap on the result's size.

Neither pyoxigraph nor rdflib looks at Python signals or flags while it evaluates, so a runaway
query cannot be stopped in the thread that runs it. For such stores the query runs in a child
process forked for it: the child inherits the store (copy-on-write, no pickling, and a snapshot
that writes made meanwhile cannot disturb), serializes the answer and sends the bytes back
through a pipe. When the timeout passes first, the parent kills the child and answers
``KGError(TIMEOUT)`` at once; the worker thread is free again and nothing of the store is
touched. A store that stops its own work (``killable_in_thread``: a remote server with an HTTP
timeout) runs in the calling thread.

Forking a threaded server is safe here because the child only reads the store and writes the
pipe, then leaves with ``os._exit`` (multiprocessing's fork start method); a store whose reads
take a Python lock resets it in :meth:`~alliance_kg.store.base.Store.after_fork`, so a lock held
by another thread at the moment of the fork cannot deadlock the child.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

from ..errors import ErrorKind, KGError
from ..formats import BY_KEY, Format
from .base import GraphName, QueryForm, Store

#: seconds the killed child gets to go away before we stop waiting for it
_REAP_SECONDS = 5.0


def _evaluate(store: Store, sparql: str, choose_format: Callable[[QueryForm], Format],
              default_graphs: Sequence[GraphName] | None, named_graphs: Sequence[str] | None,
              base_iri: str | None, limit: int | None) -> tuple[Format, bytes]:
    result = store.query(sparql, default_graphs=default_graphs, named_graphs=named_graphs,
                         base_iri=base_iri)
    fmt = choose_format(result.form)
    return fmt, result.serialize(fmt, limit=limit)


def _child(conn: Connection, store: Store, args: tuple[Any, ...]) -> None:
    store.after_fork()
    try:
        fmt, body = _evaluate(store, *args)
        conn.send(("ok", fmt.key, body))
    except KGError as exc:
        conn.send(("error", exc.kind.value, exc.message, exc.line, exc.column, exc.file))
    except Exception as exc:  # reported to the parent, which raises it
        conn.send(("error", ErrorKind.INTERNAL.value, f"{type(exc).__name__}: {exc}",
                   None, None, None))
    finally:
        conn.close()


def execute_query(store: Store, sparql: str, *, choose_format: Callable[[QueryForm], Format],
                  default_graphs: Sequence[GraphName] | None = None,
                  named_graphs: Sequence[str] | None = None, base_iri: str | None = None,
                  timeout: float | None, limit: int | None) -> tuple[Format, bytes]:
    """Evaluate and serialize; ``KGError(TIMEOUT)`` after ``timeout`` seconds (None or 0: no
    limit, evaluated in the calling thread),
    ``KGError(TOO_LARGE)`` past ``limit`` rows/triples. Returns the chosen format and the bytes."""
    args = (sparql, choose_format, default_graphs, named_graphs, base_iri, limit)
    if store.killable_in_thread or timeout is None or timeout <= 0:
        return _evaluate(store, *args)
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send, store, args), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(timeout):
            child.kill()
            raise KGError(ErrorKind.TIMEOUT,
                          f"the query ran longer than {timeout:g} s and was stopped; "
                          "narrow it (a LIMIT, more specific patterns) or ask the operator "
                          "for a longer timeout")
        try:
            message = receive.recv()
        except EOFError:
            raise KGError(ErrorKind.INTERNAL, "the query process ended without an answer "
                                              f"(exit code {child.exitcode})") from None
    finally:
        receive.close()
        child.join(_REAP_SECONDS)
    if message[0] == "ok":
        return BY_KEY[message[1]], message[2]
    _, kind, text, line, column, file = message
    raise KGError(ErrorKind(kind), text, line=line, column=column, file=file)

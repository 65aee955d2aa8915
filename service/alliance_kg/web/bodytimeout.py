"""The request body read timeout (slowloris): the ASGI app granian serves around the Flask app.

granian has no body read timeout, and its WSGI ``wsgi.input.read`` blocks a request thread for
as long as a client trickles a body, so a few slow clients held every thread. Here granian
serves ASGI: :class:`WSGIBridge` receives a request's whole body on the event loop, where a
waiting client holds no thread, within ``Settings.body_timeout`` seconds and up to one byte
past ``Settings.max_body_bytes`` (the app then answers 413), and only then runs the Flask app
on one of ``Settings.threads`` threads with the buffered body. A body not complete in time is
answered 408 by the Flask app (:func:`refuse_timed_out`), in the usual error body, and the
connection is closed.

The WSGI environ is a2wsgi's (``build_environ``). a2wsgi's own responder is not used: it hands
every response message from the thread to the event loop and back (three round trips for a
plain answer) and measured 2 ms more per request than granian's WSGI; here a response whose
length is known (every answer but a stream, see :mod:`.logging`) comes back in one hop
(docs/BENCHMARKS.md, "The body read timeout").
"""

from __future__ import annotations

import asyncio
import io
import sys
import threading
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from a2wsgi.wsgi import build_environ
from flask import request
from werkzeug.exceptions import RequestTimeout

from .logging import WSGIApp

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

#: scope key set when the body did not arrive in time (its value: the timeout in seconds)
TIMED_OUT = "alliance_kg.body_timed_out"


class WSGIBridge:
    """ASGI app: the whole body within ``timeout`` seconds, then ``app`` on a thread."""

    def __init__(self, app: WSGIApp, *, timeout: float, max_bytes: int, threads: int) -> None:
        self.app = app
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.executor = _request_threads(threads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # no lifespan (granian's ASGINL), no websockets
            return
        body = b""
        length, chunked = _framing(scope["headers"])
        if (chunked or length) and not (length is not None and length > self.max_bytes):
            try:
                async with asyncio.timeout(self.timeout):  # a timer, not a task like wait_for
                    read = await _read(receive, self.max_bytes + 1)
            except TimeoutError:
                scope = {**scope, TIMED_OUT: self.timeout}
            else:
                if read is None:  # the client left: nobody to answer
                    return
                body = read
        # with a Content-Length over the limit nothing is read: the app answers 413 from it
        # a2wsgi's typed scope and environ against our plain mappings
        environ = cast(dict[str, Any], build_environ(scope, io.BytesIO(body)))  # type: ignore[arg-type]
        environ["wsgi.input_terminated"] = True  # a chunked body is whole (params.read_body)
        environ["wsgi.errors"] = sys.stderr
        loop = asyncio.get_running_loop()
        status, headers, answer = await loop.run_in_executor(
            self.executor, self._call, environ, loop, send)
        if answer is not None:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": answer})

    def _call(self, environ: dict[str, Any], loop: asyncio.AbstractEventLoop, send: Send
              ) -> tuple[int, Headers, bytes | None]:
        """On a request thread: the whole answer, or None once a stream has been sent."""
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], *exc: Any) -> None:
            started[:] = [int(status.split(" ", 1)[0]),
                          [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]]

        result = self.app(environ, start_response)
        try:
            if isinstance(result, list):
                return started[0], started[1], b"".join(result)
            _stream(result, started, loop, send)
            return started[0], started[1], None
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()


#: stack of a request thread, as granian's own threads had (Rust's default): a query process
#: forked from the thread has this stack, so it decides how deep a query may nest before the
#: engine's parser overflows it (400, store/executor.py)
STACK_BYTES = 2 * 1024 * 1024


def _request_threads(threads: int) -> ThreadPoolExecutor:
    """All ``threads`` started now, with :data:`STACK_BYTES` of stack, and never reaped
    (pooled query workers die with the thread that forked them)."""
    executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="request")
    ready = threading.Barrier(threads + 1)
    previous = threading.stack_size(STACK_BYTES)
    try:
        for _ in range(threads):
            executor.submit(ready.wait)
    finally:
        threading.stack_size(previous)
    ready.wait()
    return executor


def _stream(result: Iterable[bytes], started: list[Any], loop: asyncio.AbstractEventLoop,
            send: Send) -> None:
    """Send each chunk from the request thread as it comes; a client that left raises here
    and ends the stream (and its query)."""
    async def sending(message: Message) -> None:  # granian's send is no coroutine
        await send(message)

    def post(message: Message) -> None:
        asyncio.run_coroutine_threadsafe(sending(message), loop).result()

    first = True
    for chunk in result:
        if first:
            post({"type": "http.response.start", "status": started[0], "headers": started[1]})
            first = False
        if chunk:
            post({"type": "http.response.body", "body": chunk, "more_body": True})
    if first:
        post({"type": "http.response.start", "status": started[0], "headers": started[1]})
    post({"type": "http.response.body", "body": b""})


def _framing(headers: Headers) -> tuple[int | None, bool]:
    """The Content-Length, and whether the body must be read to its end (chunked)."""
    length = None
    chunked = False
    for name, value in headers:
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:  # a repeated header: read to the end, as a chunked body
                chunked = True
        elif name == b"transfer-encoding":
            chunked = True
    return length, chunked


async def _read(receive: Receive, limit: int) -> bytes | None:
    """The body, cut at ``limit`` bytes (the app then answers 413); None if the client left."""
    parts: list[bytes] = []
    size = 0
    while size < limit:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        parts.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(parts)[:limit]


class BodyTimedOut(RequestTimeout):
    """408, and the connection closed: the rest of the body was never read."""

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [*super().get_headers(*args, **kwargs), ("Connection", "close")]


def refuse_timed_out() -> None:
    """Flask ``before_request`` hook: a body that did not arrive in time is answered 408."""
    scope = request.environ.get("asgi.scope")
    if scope is not None and TIMED_OUT in scope:
        raise BodyTimedOut(f"the request body did not arrive within {scope[TIMED_OUT]:g} "
                           "seconds (ALLIANCE_KG_BODY_TIMEOUT)")

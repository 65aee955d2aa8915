"""The ASGI bridge granian serves (web/bodytimeout.py), in process: bodies are received whole
before the WSGI app runs, a slow one is answered 408, and answers (sized or streamed) arrive
as the app wrote them. Over HTTP: tests/security/test_http_hardening.py (slowloris)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, request

from alliance_kg.web import errors
from alliance_kg.web.bodytimeout import WSGIBridge, refuse_timed_out


def scope(headers: dict[str, str], method: str = "POST") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": "/x", "root_path": "",
            "query_string": b"", "http_version": "1.1", "scheme": "http",
            "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 5555),
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()]}


def run(app: WSGIBridge, headers: dict[str, str], messages: list[dict[str, Any]],
        *, stall: bool = False, fail_send_after: int | None = None) -> list[dict[str, Any]]:
    """Call the bridge; ``messages`` are what the client sends, then it stalls (``stall``) or
    waits forever; returns what the bridge sent."""
    sent: list[dict[str, Any]] = []

    async def main() -> None:
        queue = list(messages)

        async def receive() -> dict[str, Any]:
            if queue:
                return queue.pop(0)
            await asyncio.sleep(3600)
            raise AssertionError("unreachable")

        def send(message: dict[str, Any]) -> asyncio.Future[None]:
            # granian's send returns an awaitable, not a coroutine
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            if fail_send_after is not None and len(sent) >= fail_send_after:
                done.set_exception(OSError("client gone"))
            else:
                sent.append(message)
                done.set_result(None)
            return done

        await app(scope(headers), receive, send)

    asyncio.run(main())
    return sent


def echo(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]


def test_a_body_in_pieces_reaches_the_app_whole() -> None:
    bridge = WSGIBridge(echo, timeout=5, max_bytes=100, threads=2)
    sent = run(bridge, {"transfer-encoding": "chunked"}, [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"cd", "more_body": False}])
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b"abcd"


def test_a_chunked_body_is_cut_one_byte_past_the_limit() -> None:
    bridge = WSGIBridge(echo, timeout=5, max_bytes=3, threads=2)
    sent = run(bridge, {"transfer-encoding": "chunked"}, [
        {"type": "http.request", "body": b"abcdef", "more_body": True}])
    assert sent[1]["body"] == b"abcd"


def test_a_length_over_the_limit_is_not_read() -> None:
    bridge = WSGIBridge(echo, timeout=5, max_bytes=3, threads=2)
    # the client never sends the body: the app answers from the header at once
    sent = run(bridge, {"content-length": "10"}, [])
    assert sent[1]["body"] == b""


def test_a_client_leaving_mid_body_gets_no_answer() -> None:
    bridge = WSGIBridge(echo, timeout=5, max_bytes=100, threads=2)
    assert run(bridge, {"content-length": "10"}, [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.disconnect"}]) == []


def test_a_body_not_whole_in_time_is_408_and_closes() -> None:
    app = Flask(__name__)
    app.before_request(refuse_timed_out)
    errors.register(app)

    @app.post("/x")
    def view() -> str:
        return request.get_data(as_text=True)

    bridge = WSGIBridge(app, timeout=0.2, max_bytes=100, threads=2)
    sent = run(bridge, {"content-length": "10"}, [
        {"type": "http.request", "body": b"ab", "more_body": True}])
    assert sent[0]["status"] == 408
    assert (b"connection", b"close") in sent[0]["headers"]
    assert sent[1]["body"].startswith(b"408 request-timeout: the request body did not arrive "
                                      b"within 0.2 seconds")


def streamed(closed: list[bool]) -> Callable[..., Iterator[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            yield b"one"
            yield b""
            yield b"two"
        finally:
            closed.append(True)

    return app


def test_a_stream_is_sent_chunk_by_chunk() -> None:
    closed: list[bool] = []
    sent = run(WSGIBridge(streamed(closed), timeout=5, max_bytes=100, threads=2), {}, [])
    assert [m.get("body") for m in sent] == [None, b"one", b"two", b""]
    assert [m.get("more_body", False) for m in sent] == [False, True, True, False]
    assert closed == [True]


def test_a_stream_to_a_client_that_left_ends() -> None:
    closed: list[bool] = []
    with pytest.raises(OSError, match="client gone"):
        run(WSGIBridge(streamed(closed), timeout=5, max_bytes=100, threads=2), {}, [],
            fail_send_after=1)
    assert closed == [True]

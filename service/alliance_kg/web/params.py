"""Reading a protocol request: parameters, bodies, charsets and size limits.

werkzeug decodes forms leniently (bad bytes become U+FFFD); the SPARQL protocol wants UTF-8 and a
clear error otherwise, so the URL query string and url-encoded bodies are decoded here, strictly.
Bodies are read with the configured cap, whether or not the client sent ``Content-Length``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import IO
from urllib.parse import parse_qsl

import pyoxigraph as ox
from flask import request
from werkzeug.exceptions import ClientDisconnected

from ..errors import ErrorKind, KGError
from .errors import LimitExceeded

FORM = "application/x-www-form-urlencoded"
UTF8_NAMES = {"utf-8", "utf8"}


@dataclass
class Params:
    """Multi-valued parameters in arrival order (the URL's first, then a form body's)."""

    items: list[tuple[str, str]] = field(default_factory=list)

    def getlist(self, name: str) -> list[str]:
        return [v for k, v in self.items if k == name]

    def one(self, name: str) -> str | None:
        """The single value of ``name``; 400 if it was given more than once."""
        values = self.getlist(name)
        if len(values) > 1:
            raise KGError(ErrorKind.BAD_INPUT, f"parameter '{name}' given {len(values)} times; "
                          "the protocol allows exactly one")
        return values[0] if values else None

    def __contains__(self, name: object) -> bool:
        return any(k == name for k, _ in self.items)

    def flag(self, *names: str, default: bool) -> bool:
        """A boolean parameter (true/false, 1/0, yes/no, on/off); 400 for anything else."""
        for name in names:
            value = self.one(name)
            if value is None:
                continue
            v = value.strip().lower()
            if v in {"true", "1", "yes", "on", ""}:
                return True
            if v in {"false", "0", "no", "off"}:
                return False
            raise KGError(ErrorKind.BAD_INPUT, f"parameter '{name}' must be true or false, "
                          f"not {value!r}")
        return default


def iri(value: str, what: str) -> str:
    """``value`` if it is an absolute IRI, else 400 naming the parameter."""
    try:
        return str(ox.NamedNode(value.strip()).value)
    except ValueError as exc:
        raise KGError(ErrorKind.BAD_INPUT, f"{what}: {value!r} is not an absolute IRI ({exc})") \
            from None


def iris(p: Params, name: str) -> list[str]:
    return [iri(v, name) for v in p.getlist(name)]


#: url-encoded texts up to this many bytes are remembered decoded (see decode_form)
REMEMBERED_BYTES = 8192


def decode_form(raw: bytes, what: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of a url-encoded text, strictly UTF-8.

    Clients repeat their requests (dashboards, the competency questions), and percent-decoding
    a query's text in Python (``parse_qsl``) took 20 us of a 350 us query: texts up to
    ``REMEMBERED_BYTES`` are remembered decoded, 512 of them (at most 8 MiB). A text that
    fails is not remembered and fails again with the same message."""
    if len(raw) <= REMEMBERED_BYTES:
        return list(_decoded(raw, what))
    return _decode(raw, what)


@lru_cache(maxsize=512)
def _decoded(raw: bytes, what: str) -> tuple[tuple[str, str], ...]:
    return tuple(_decode(raw, what))


def _decode(raw: bytes, what: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(raw.decode("utf-8", errors="strict"), keep_blank_values=True,
                         encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise KGError(ErrorKind.BAD_INPUT, f"{what} is not valid UTF-8 "
                      f"(byte {exc.start}): percent-encode UTF-8") from None


def url_params() -> Params:
    query_string = request.query_string
    return Params(decode_form(query_string, "the URL query string") if query_string else [])


def media_type() -> tuple[str, dict[str, str]]:
    """The request's media type (lower case, '' if none) and its parameters."""
    return request.mimetype.lower(), {k.lower(): v for k, v in request.mimetype_params.items()}


def read_body(max_bytes: int) -> bytes:
    """The whole body, at most ``max_bytes`` (413 past that, also for chunked bodies).

    The server's own stream is read (``wsgi.input``), not werkzeug's ``request.stream``:
    with a ``Content-Length`` exactly that many bytes are read (a shorter body is the client
    gone, 400, as werkzeug says); a body without one (chunked) that the server ends itself
    (``wsgi.input_terminated``: granian) is read up to one byte past the limit. werkzeug's
    stream caps such a body at ``MAX_CONTENT_LENGTH`` and hands over the first ``max_bytes``
    of a longer one as if they were all of it (waitress buffered chunked bodies and gave them
    a length, so this did not show before granian); making that wrapper also cost a few
    microseconds per request."""
    length = request.content_length
    if length is not None and length > max_bytes:
        raise LimitExceeded.of("body", f"request body of {length} bytes is over the limit of "
                               f"{max_bytes} bytes")
    environ = request.environ
    if length is not None:
        data = _read_at_most(environ["wsgi.input"], length)
        if len(data) < length:
            raise ClientDisconnected()
        return data
    if environ.get("wsgi.input_terminated"):
        data = _read_at_most(environ["wsgi.input"], max_bytes + 1)
    else:  # a stream of unknown end: werkzeug's safe fallback (an empty body)
        data = _read_at_most(request.stream, max_bytes + 1)
    if len(data) > max_bytes:
        raise LimitExceeded.of("body", f"request body is over the limit of {max_bytes} bytes")
    return data


def _read_at_most(stream: IO[bytes], size: int) -> bytes:
    """``size`` bytes, or all there are: a stream may return fewer than asked per read."""
    data = stream.read(size)
    if len(data) >= size or not data:
        return data
    parts = [data]
    left = size - len(data)
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def check_utf8_charset(params: dict[str, str]) -> None:
    """415 unless the body's declared charset (if any) is UTF-8 (or its subset US-ASCII)."""
    charset = params.get("charset")
    if charset is not None and charset.strip().strip('"').lower() not in (
        UTF8_NAMES | {"us-ascii", "ascii"}
    ):
        raise KGError(ErrorKind.UNSUPPORTED_MEDIA_TYPE,
                      f"charset={charset} is not supported: send the body in UTF-8")


def decode_utf8(data: bytes, what: str) -> str:
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise KGError(ErrorKind.BAD_INPUT, f"{what} is not valid UTF-8 (byte {exc.start})") \
            from None
    return text.removeprefix("\ufeff")

"""Believe ``X-Forwarded-*`` only from the trusted reverse proxy; strip them from anyone else.

The app builds absolute URLs (``Location`` of a new graph, graph IRIs named by their URL, the
service description's endpoint) from the request's host and scheme, so behind a proxy those must
be the public ones. werkzeug's :class:`~werkzeug.middleware.proxy_fix.ProxyFix` does the
rewriting but trusts every peer; a client that reaches the port directly could then spoof its
host or scheme. So the rewrite is applied only to requests whose peer address is
``settings.trusted_proxy`` (``*``: any peer, for a port nothing else can reach), and the
forwarded headers are removed from every other request, as waitress's ``trusted_proxy`` did
before the service moved to granian, which has no such option.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

from ..config import Settings
from ..errors import ErrorKind, KGError

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: the headers ProxyFix understands, by the names operators configure
SUPPORTED = ("x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port",
             "x-forwarded-prefix")
#: environ keys of every forwarding header a client might send
_FORWARDED_KEYS = (*("HTTP_" + h.upper().replace("-", "_") for h in SUPPORTED),
                   "HTTP_FORWARDED")


def headers_of(settings: Settings) -> set[str]:
    """The configured header names; an unknown one is the operator's bad input (exit 2)."""
    names = {h.strip().lower() for h in settings.trusted_proxy_headers.split() if h.strip()}
    unknown = sorted(names - set(SUPPORTED))
    if unknown:
        raise KGError(ErrorKind.BAD_INPUT, f"ALLIANCE_KG_TRUSTED_PROXY_HEADERS: unsupported "
                      f"{', '.join(unknown)} (supported: {' '.join(SUPPORTED)})")
    return names


class TrustedProxy:
    """WSGI middleware: ProxyFix for the trusted peer, forwarded headers stripped otherwise."""

    def __init__(self, app: WSGIApp, settings: Settings) -> None:
        self.app = app
        self.trusted = settings.trusted_proxy
        names = headers_of(settings)
        count = max(1, settings.trusted_proxy_count)
        self.fixed: WSGIApp = ProxyFix(
            app,
            x_for=count if "x-forwarded-for" in names else 0,
            x_proto=1 if "x-forwarded-proto" in names else 0,
            x_host=1 if "x-forwarded-host" in names else 0,
            x_port=1 if "x-forwarded-port" in names else 0,
            x_prefix=1 if "x-forwarded-prefix" in names else 0,
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if self.trusted and (self.trusted == "*"
                             or environ.get("REMOTE_ADDR") == self.trusted):
            return self.fixed(environ, start_response)
        for key in _FORWARDED_KEYS:
            environ.pop(key, None)
        return self.app(environ, start_response)

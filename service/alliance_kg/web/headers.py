"""Security headers on every response, stricter on HTML pages: one ``after_request`` hook.

Every answer (results, RDF, errors, JSON) is data, never a page to render, so it gets a policy
that forbids everything (``default-src 'none'``): a result opened in a browser cannot run a
script or load anything, even if a literal in it looks like HTML. HTML pages (``text/html``)
get a policy that allows only what this service serves itself, with **no** ``'unsafe-inline'``
for scripts or styles: pages must put their scripts and styles in files under ``/static``.
All responses: ``X-Content-Type-Options: nosniff`` (a browser must not guess HTML out of a
``text/plain`` error), ``Referrer-Policy: no-referrer`` (query strings carry queries),
``frame-ancestors 'none'`` and ``X-Frame-Options: DENY`` (no clickjacking via framing), and
``Cross-Origin-Opener-Policy`` for pages. A header a view set itself is left alone, so a page
that needs a different policy says so explicitly where it is made.

HSTS is not sent: the service speaks plain HTTP on loopback, and HTTPS belongs to the reverse
proxy, which should add ``Strict-Transport-Security`` (docs/OPERATIONS.md).
"""

from __future__ import annotations

from flask import Flask, Response

#: for data answers: nothing may load or run
DATA_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
#: for HTML pages: our own files only, no inline script or style, no plugins, no framing
HTML_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'")

COMMON: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
HTML_ONLY: dict[str, str] = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


#: what every data answer and every page gets, in the order they are added (worked out once:
#: setting them one by one through ``Headers.setdefault`` scanned the header list per header)
DATA_HEADERS: tuple[tuple[str, str], ...] = (*COMMON.items(),
                                            ("Content-Security-Policy", DATA_CSP))
HTML_HEADERS: tuple[tuple[str, str], ...] = (*COMMON.items(),
                                            ("Content-Security-Policy", HTML_CSP),
                                            *HTML_ONLY.items())
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def secure(response: Response) -> Response:
    """Add the headers (never overriding one the view set)."""
    wanted = HTML_HEADERS if response.mimetype in _HTML_TYPES else DATA_HEADERS
    headers = response.headers
    present = {name.lower() for name, _ in headers}
    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)
    return response


def vary_origin(response: Response) -> Response:
    """``Vary: Origin``: the CORS answer reflects the request's Origin (or leaves it out for an
    origin not allowed), so a shared cache must not hand one origin's answer to another."""
    response.vary.add("Origin")
    return response


def register(app: Flask) -> None:
    """Install the hook (called by the app factory)."""
    app.after_request(secure)

"""The floor of a Python WSGI stack: Flask on waitress answering every request with a constant
SPARQL JSON result, no parsing, no store, no middleware.

    python bench/floor_app.py PORT

:mod:`bench.endpoints` measures it beside the real servers: our service cannot be faster than
this on the same machine, so it shows how much of the gap to a native server (``oxigraph
serve``) is the Python HTTP stack itself and how much is ours.
"""

from __future__ import annotations

import sys

import waitress
from flask import Flask, Response

BODY = b'{"head":{"vars":["x"]},"results":{"bindings":[]}}'

app = Flask(__name__)


@app.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    return Response(BODY, content_type="application/sparql-results+json")


if __name__ == "__main__":
    waitress.serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=8, _quiet=True)

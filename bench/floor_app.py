"""The floor of a Python WSGI stack: Flask answering every request with a constant SPARQL JSON
result, no parsing, no store, no middleware, on the server named.

    python bench/floor_app.py PORT [granian|waitress]

:mod:`bench.endpoints` measures it beside the real servers: our service cannot be faster than
this on the same machine and the same server (granian, as ``alliance-kg serve``), so it shows
how much of the gap to a native server (``oxigraph serve``) is the Python HTTP stack itself and
how much is ours. The waitress floor is kept to show why the service left waitress.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flask import Flask, Response, request

BODY = b'{"head":{"vars":["x"]},"results":{"bindings":[]}}'

app = Flask(__name__)


@app.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    # read the body as every real service does: granian closes a keep-alive connection whose
    # request body was left unread, and clients would then count errors
    request.get_data()
    return Response(BODY, content_type="application/sparql-results+json")


def main() -> None:
    port = int(sys.argv[1])
    server = sys.argv[2] if len(sys.argv) > 2 else "granian"
    if server == "waitress":
        import waitress

        waitress.serve(app, host="127.0.0.1", port=port, threads=8, _quiet=True)
        return
    from granian.constants import Interfaces
    from granian.server import Server

    # the same threads as `alliance-kg serve` (ALLIANCE_KG_THREADS, 8)
    Server("floor_app:app", address="127.0.0.1", port=port, interface=Interfaces.WSGI,
           blocking_threads=8, working_dir=Path(__file__).resolve().parent).serve()


if __name__ == "__main__":
    main()

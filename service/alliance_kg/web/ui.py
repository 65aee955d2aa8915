"""The query UI at ``/`` and the two JSON documents it reads: prefixes and example queries.

The page is YASGUI (``@zazuko/yasgui`` from the npm registry, copied into ``static/ui/vendor/``
by ``ui/build.mjs``; see docs/UI.md) plus our own ``static/ui/app.js``. Everything it needs is
served from here, so it works with no internet access: no CDN, no prefix.cc, no LOV look-ups.

* ``/api/prefixes``: :data:`~alliance_kg.namespaces.PREFIXES` as a JSON object, in their order.
  The editor pre-declares and auto-completes them; the service pre-declares the same ones, so a
  query typed in the UI runs the same with curl.
* ``/api/examples``: the competency questions of ``queries/*.rq``, each with its question, the
  sentences answering it and whether it needs inference, read from the comment header of the
  ``.rq`` file itself (``# Question: ...``), so the file stays the one source.

The page has no inline script (the configuration travels in ``data-*`` attributes), so it keeps
the site's ``script-src 'self'``. Its one relaxation is ``style-src 'unsafe-inline'``: YASGUI
(CodeMirror, DataTables, its resizers) writes ``style`` attributes into the markup it generates,
and without them the editor and the table lose their layout. Inline styles cannot run code.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

from flask import Blueprint, Response, render_template, url_for

from ..namespaces import ASSERTED, INFERRED, ONTOLOGY, PREFIXES
from .context import state

bp = Blueprint("ui", __name__, template_folder="templates", static_folder="static/ui",
               static_url_path="/ui/static")

#: the header lines of a competency question file, e.g. ``# Question: Who ...?``
_HEADER = re.compile(r"^#\s*(Question|Sentences?|Needs)\s*:\s*(.*?)\s*$")
VENDOR_FILES = ("yasgui.min.js", "yasgui.min.css")


@dataclass(frozen=True)
class Example:
    """One competency question, as the UI lists it."""

    id: str  #: the file name without ``.rq`` (``01-reports-to-indopacom``)
    title: str  #: the question
    sentences: str  #: the sentences of the article that answer it (``s03, s19``)
    needs: str  #: ``asserted`` or ``inference``
    query: str  #: the whole file, comments included (they explain the query)


def read_examples(folder: Path) -> list[Example]:
    """The ``.rq`` files of ``folder`` in file-name order; [] when there is no such folder."""
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        fields: dict[str, str] = {}
        for line in text.splitlines():
            match = _HEADER.match(line)
            if match:
                key = match.group(1).lower().rstrip("s")
                fields.setdefault(key, match.group(2))
            elif line.strip() and not line.startswith("#"):
                break
        out.append(Example(id=path.stem, title=fields.get("question") or path.stem,
                           sentences=fields.get("sentence", ""), needs=fields.get("need", ""),
                           query=text))
    return out


def assets_built() -> bool:
    """Whether ``ui/build.mjs`` has copied YASGUI into the package (``./dev`` does)."""
    vendor = resources.files("alliance_kg.web").joinpath("static/ui/vendor")
    return all(vendor.joinpath(name).is_file() for name in VENDOR_FILES)


def _json(doc: object) -> Response:
    # json.dumps keeps the insertion order (Flask's provider would sort the prefixes)
    resp = Response(json.dumps(doc, ensure_ascii=False, indent=1) + "\n",
                    mimetype="application/json")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.route("/", methods=["GET"])
def index() -> Response:
    st = state()
    html = render_template(
        "ui.html",
        built=assets_built(),
        endpoint=url_for("sparql.endpoint"),
        public_base=st.settings.public_base,
        prefixes_url=url_for("ui.prefixes"),
        examples_url=url_for("ui.examples"),
        graphs={"ontology": str(ONTOLOGY), "asserted": str(ASSERTED),
                "inferred": str(INFERRED)},
    )
    resp = Response(html, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["Content-Security-Policy"] = page_csp()
    return resp


def page_csp() -> str:
    """The site's HTML policy (web/headers.py) with inline styles allowed (see above)."""
    from .headers import HTML_CSP

    directives = [d.strip() for d in HTML_CSP.split(";") if d.strip()]
    out = []
    for d in directives:
        if d.split()[0] == "style-src" and "'unsafe-inline'" not in d:
            d += " 'unsafe-inline'"
        out.append(d)
    if not any(d.split()[0] == "style-src" for d in out):
        out.append("style-src 'self' 'unsafe-inline'")
    return "; ".join(out)


@bp.route("/api/prefixes", methods=["GET"])
def prefixes() -> Response:
    return _json(PREFIXES)


@bp.route("/api/examples", methods=["GET"])
def examples() -> Response:
    folder = state().settings.root / "queries"
    return _json([asdict(e) for e in read_examples(folder)])

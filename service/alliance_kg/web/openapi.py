"""``/openapi.json``: the OpenAPI 3 description of this service (``static/openapi.json``).

The file is the source; this blueprint only fills in ``servers`` with the URL the client used,
so that tools (Swagger UI, code generators) call this very server.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from flask import Blueprint, Response, request

bp = Blueprint("openapi", __name__)


@cache
def document() -> dict[str, Any]:
    text = resources.files("alliance_kg.web").joinpath("static/openapi.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


@bp.route("/openapi.json", methods=["GET"])
def openapi() -> Response:
    doc = dict(document())
    doc["servers"] = [{"url": request.host_url.rstrip("/"), "description": "this server"}]
    resp = Response(json.dumps(doc, indent=2) + "\n", mimetype="application/json")
    resp.headers["Cache-Control"] = "no-cache"
    return resp

"""Diagrams drawn from the live store: command structure, timeline, network of states.

``/diagrams/command-structure.svg?when=before|after|both``, ``/diagrams/timeline.svg`` and
``/diagrams/network.svg`` answer ``image/svg+xml``; ``/diagrams`` is an HTML page with all three;
resource pages show the diagrams their resource appears in (see :func:`for_resource`).

Each diagram is a few SPARQL queries over asserted + inferred (:mod:`.command`,
:mod:`.timeline`, :mod:`.network`), a small deterministic layout (:mod:`.layout`) and SVG written
with ``xml.etree`` (:mod:`.svg`). No Graphviz or other system dependency. Drawings are cached
per store generation, so a write through this service is visible in the next drawing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup

from ...errors import ErrorKind, KGError
from .. import conditional
from ..context import AppState, state
from . import command, network, timeline

bp = Blueprint("diagrams", __name__)

SVG_TYPE = "image/svg+xml"


@dataclass(frozen=True)
class Kind:
    name: str
    title: str
    caption: str
    draw: Callable[[AppState, str | None], str]
    members: Callable[[AppState], set[str]]


KINDS: dict[str, Kind] = {
    "command-structure": Kind(
        "command-structure", "Command structure",
        "Who reports to whom and who commands whom, before and after the announced changes.",
        lambda st, focus: command.render(st, "both", focus), command.nodes_in),
    "timeline": Kind(
        "timeline", "Timeline",
        "Dated events and the target dates of planned changes.",
        timeline.render, timeline.nodes_in),
    "network": Kind(
        "network", "States and arrangements",
        "Which states are party to which alliances, frameworks and agreements.",
        network.render, network.nodes_in),
}


@dataclass
class Embedded:
    title: str
    caption: str
    url: str
    svg: Markup


def _svg(st: AppState, key: str, draw: Callable[[], str]) -> str:
    text: str = st.cached(f"diagram:{key}", draw)
    return text


def _answer(st: AppState, key: str, draw: Callable[[], str]) -> Response:
    etag = st.etag("diagram", key)
    if conditional.matches(etag):
        return conditional.not_modified(etag)
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + _svg(st, key, draw)
    resp = Response(body, status=200, content_type=f"{SVG_TYPE}; charset=utf-8")
    return conditional.finish(resp, etag)


@bp.route("/diagrams/command-structure.svg", methods=["GET"])
def command_svg() -> Response:
    st = state()
    when = request.args.get("when", "both")
    if when not in command.WHEN:
        raise KGError(ErrorKind.BAD_INPUT, f"when={when!r}: use one of "
                      + ", ".join(command.WHEN))
    return _answer(st, f"command-structure:{when}",
                   lambda: command.render(st, when, None))


@bp.route("/diagrams/timeline.svg", methods=["GET"])
def timeline_svg() -> Response:
    st = state()
    return _answer(st, "timeline", lambda: timeline.render(st, None))


@bp.route("/diagrams/network.svg", methods=["GET"])
def network_svg() -> Response:
    st = state()
    return _answer(st, "network", lambda: network.render(st, None))


@bp.route("/diagrams", methods=["GET"])
def index() -> Response:
    st = state()
    etag = st.etag("diagrams-page")
    if conditional.matches(etag):
        return conditional.not_modified(etag)
    shown = []
    for k in KINDS.values():
        key = f"{k.name}:both" if k.name == "command-structure" else k.name
        shown.append(Embedded(k.title, k.caption, f"/diagrams/{k.name}.svg",
                              Markup(_svg(st, key, _drawer(st, k, None)))))
    html = render_template("ld/diagrams.html", diagrams=shown)
    resp = Response(html, status=200, content_type="text/html; charset=utf-8")
    return conditional.finish(resp, etag)


def _drawer(st: AppState, k: Kind, focus: str | None) -> Callable[[], str]:
    def draw() -> str:
        return k.draw(st, focus)

    return draw


def _members(st: AppState, k: Kind) -> Callable[[], set[str]]:
    def members() -> set[str]:
        return k.members(st)

    return members


def for_resource(st: AppState, iri: str) -> list[Embedded]:
    """The diagrams ``iri`` appears in, drawn with it highlighted (for its resource page)."""
    out = []
    for k in KINDS.values():
        members: set[str] = st.cached(f"diagram-members:{k.name}", _members(st, k))
        if iri not in members:
            continue
        svg = _svg(st, f"{k.name}:focus:{iri}", _drawer(st, k, iri))
        out.append(Embedded(k.title, k.caption, f"/diagrams/{k.name}.svg", Markup(svg)))
    return out

"""A timeline of what happened and what is due: every dated thing in the graph.

Rows are everything with an ``akg:date`` (meetings, summits, strategies, launches, tenures) or
an ``akg:targetDate`` (a change due by then: "set to open by March 2025"), shown as precisely as
the source gives them (``akg:dateAsStated``: a day, a month or a year, with
``akg:dateQualifier`` such as "early"), in date order. Under
a dated event come the things it announced (``akg:announced``) and their parts
(``akg:partOf``), each with its status. Target dates are drawn as hollow markers.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ..context import AppState
from ..selects import select
from .layout import text_width
from .names import nodes_for
from .svg import Drawing

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATE = re.compile(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
ROW = 30.0
SUB_ROW = 22.0
DATE_COL = 150.0


@dataclass
class Item:
    iri: str
    when: tuple[int, int, int]
    date_text: str
    target: bool
    status: str | None = None
    children: list[tuple[str, str | None]] = field(default_factory=list)  #: (iri, status)


def parse_date(value: str, qualifier: str | None = None) -> tuple[tuple[int, int, int], str]:
    """(sort key, display text) of an xsd:date / gYearMonth / gYear lexical form."""
    m = _DATE.match(value)
    if not m:
        return (9999, 0, 0), value
    year, month, day = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
    text = str(year)
    if month:
        text = f"{MONTHS[month - 1]} {year}"
    if day:
        text = f"{day} {text}"
    if qualifier:
        text = f"{qualifier} {text}"
    return (year, month, day), text


def read(st: AppState) -> list[Item]:
    items: dict[tuple[str, bool], Item] = {}
    for row in select(st, """
        SELECT ?x ?date ?which ?qual ?status WHERE {
          { ?x akg:date ?comparable BIND("date" AS ?which)
            OPTIONAL { ?x akg:dateAsStated ?stated } }
          UNION { ?x akg:targetDate ?comparable BIND("target" AS ?which)
                  OPTIONAL { ?x akg:targetDateAsStated ?stated } }
          # shown as precisely as the source gives it: "Apr 2024", not "1 Apr 2024"
          BIND(COALESCE(?stated, ?comparable) AS ?date)
          OPTIONAL { ?x akg:dateQualifier ?qual }
          OPTIONAL { ?x akg:status ?status }
          FILTER(isIRI(?x))
        } ORDER BY ?x ?which ?date"""):
        target = str(row["which"]) == "target"
        qual = row.get("qual")
        when, text = parse_date(str(row["date"]), str(qual) if qual is not None else None)
        if target:
            text = f"by {text}"
        status = row.get("status")
        items.setdefault((str(row["x"]), target), Item(
            str(row["x"]), when, text, target, str(status) if status is not None else None))
    children: dict[str, dict[str, str | None]] = {}
    for row in select(st, """
        SELECT DISTINCT ?e ?y ?status WHERE {
          ?e akg:date ?d .
          { ?e akg:announced ?y } UNION { ?e akg:announced ?z . ?y akg:partOf ?z }
          OPTIONAL { ?y akg:status ?status }
          FILTER(isIRI(?y))
        } ORDER BY ?e ?y"""):
        status = row.get("status")
        children.setdefault(str(row["e"]), {})[str(row["y"])] = \
            str(status) if status is not None else None
    out = sorted(items.values(), key=lambda i: (i.when, i.target, i.iri))
    for item in out:
        if not item.target:
            item.children = sorted(children.get(item.iri, {}).items())
    return out


def render(st: AppState, focus: str | None = None) -> str:
    items = read(st)
    iris = {i.iri for i in items} | {c for i in items for c, _ in i.children}
    names = nodes_for(st, iris)

    def label(iri: str) -> str:
        n = names[iri]
        return n.subtitle or n.title

    rows = sum(1 for _ in items) * ROW + sum(len(i.children) for i in items) * SUB_ROW
    longest = max((text_width(label(x), 13) for x in iris), default=200.0)
    width = DATE_COL + 40 + min(longest, 720.0) + 160
    height = 50 + rows + 40
    d = Drawing(max(width, 500.0), height, "Timeline",
                "Dated events, meetings and changes, and the target dates of planned changes.",
                "timeline")
    g = d.group(attrs={"class": "timeline"})
    axis_x = DATE_COL + 14
    d.text(g, 10, 22, "Timeline", "panel-title", anchor="start")
    y = 50.0
    first_y = y
    for item in items:
        row = d.group(g, {"class": "tick" + (" target" if item.target else ""),
                            "data-iri": item.iri})
        d.text(row, DATE_COL, y + 4, item.date_text, "date", anchor="end")
        circle = {"cx": f"{axis_x:.0f}", "cy": f"{y:.0f}", "r": "6",
                  "fill": "#ffffff" if item.target else "#1f5fa8",
                  "stroke": "#d97706" if item.iri == focus else "#1f5fa8",
                  "stroke-width": "3" if item.iri == focus else "2"}
        _circle(row, circle)
        a = d.link(row, names[item.iri].href, item.iri)
        status = _status(item.status)
        title = d.text(a, axis_x + 18, y + 5, label(item.iri), "link", anchor="start")
        if item.iri == focus:
            title.set("text-decoration", "underline")
        _status_span(title, status)
        y += ROW
        for child, child_status in item.children:
            sub = d.group(row, {"class": "sub", "data-iri": child})
            ca = d.link(sub, names[child].href, child)
            t = d.text(ca, axis_x + 34, y - 4, "↳ " + label(child), "sublink", anchor="start")
            if child == focus:
                t.set("font-weight", "700")
            _status_span(t, _status(child_status))
            y += SUB_ROW
    axis = {"x1": f"{axis_x:.0f}", "y1": f"{first_y - 14:.0f}", "x2": f"{axis_x:.0f}",
            "y2": f"{y - ROW + 14:.0f}", "class": "axis", "stroke": "#b8bfcc",
            "stroke-width": "2"}
    _line(g, axis, first=True)
    legend = d.group(attrs={"class": "legend"})
    ly = height - 18
    _circle(legend, {"cx": "16", "cy": f"{ly:.0f}", "r": "5", "fill": "#1f5fa8",
                     "stroke": "#1f5fa8", "stroke-width": "2"})
    d.text(legend, 28, ly + 4, "dated", "small", anchor="start")
    _circle(legend, {"cx": "86", "cy": f"{ly:.0f}", "r": "5", "fill": "#ffffff",
                     "stroke": "#1f5fa8", "stroke-width": "2"})
    d.text(legend, 98, ly + 4, "target date of a planned change", "small", anchor="start")
    return d.to_string()


def _status(status: str | None) -> str:
    return status.rsplit("/", 1)[-1] if status else ""


def _status_span(text: ET.Element, status: str) -> None:
    """The status after a title, in the same text line (so it follows the real text width)."""
    if status:
        span = ET.SubElement(text, "tspan", {"fill": "#8a5a00", "font-style": "italic",
                                             "font-weight": "400", "font-size": "11"})
        span.text = f"  {status}"


def _circle(parent: ET.Element, attrs: dict[str, str]) -> None:
    ET.SubElement(parent, "circle", attrs)


def _line(parent: ET.Element, attrs: dict[str, str], first: bool = False) -> None:
    el = ET.Element("line", attrs)
    if first:
        parent.insert(0, el)
    else:
        parent.append(el)


def nodes_in(st: AppState) -> set[str]:
    items = read(st)
    return {i.iri for i in items} | {c for i in items for c, _ in i.children}


"""Drawing laid-out graphs as SVG with :mod:`xml.etree` (which escapes every text and value).

Colours and fonts are presentation attributes on the elements (not a ``<style>``, which a strict
Content-Security-Policy would block), so a file looks the same alone or inlined in a page, with
``<title>``/``<desc>`` for screen readers, and a link (``<a href>``) from every node to its
resource page. Element ids are prefixed per drawing so several can sit in one HTML page.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .layout import FONT, SMALL
from .model import Edge, Node

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

#: edge kind -> (colour, legend text)
EDGE_STYLES: dict[str, tuple[str, str]] = {
    "reportsTo": ("#1d2433", "reports to (the arrow points at the superior)"),
    "operationalCommand": ("#1f5fa8", "has operational command over"),
    "upgrade": ("#8a94a6", "upgraded to"),
    "counterpart": ("#6b3fa0", "counterpart of"),
    "party": ("#5b6476", "is party to"),
    "forecast": ("#b4540a", "forecast by the author (a claim, not a fact)"),
}
#: edge kind -> stroke-dasharray: a kind that is not a fact must not look like one, in black
#: and white too (dotted; "announced or planned" changes are dashed)
EDGE_DASH: dict[str, str] = {"forecast": "2 4"}
#: extra edge class -> stroke-opacity: an edge the data itself judges unlikely is drawn faint
EDGE_OPACITY: dict[str, str] = {"unlikely": "0.5"}

#: node kind -> (fill, stroke)
NODE_COLOURS: dict[str, tuple[str, str]] = {
    "command": ("#e8f0fa", "#1f5fa8"),
    "state": ("#e8f0fa", "#1f5fa8"),
    "force": ("#eef6ee", "#3d7a3d"),
    "framework": ("#eef6ee", "#3d7a3d"),
    "contingent": ("#fdf5e6", "#a36a00"),
    "agreement": ("#fdf5e6", "#a36a00"),
    "alliance": ("#fdecec", "#a83232"),
    "partnership": ("#f3edfa", "#6b3fa0"),
}
#: text classes -> presentation attributes. Attributes, not a <style> element: a strict
#: Content-Security-Policy (style-src 'self') blocks inline styles but not these.
TEXT: dict[str, dict[str, str]] = {
    "title": {"font-size": f"{FONT:g}", "font-weight": "600", "fill": "#1d2433"},
    "subtitle": {"font-size": f"{SMALL:g}", "fill": "#5b6476"},
    "note": {"font-size": f"{SMALL:g}", "fill": "#8a5a00", "font-style": "italic"},
    "ghost": {"font-size": f"{FONT:g}", "font-weight": "600", "fill": "#8a94a6"},
    "edge-label": {"font-size": f"{SMALL:g}", "fill": "#5b6476", "paint-order": "stroke",
                   "stroke": "#ffffff", "stroke-width": "4", "stroke-linejoin": "round"},
    "small": {"font-size": f"{SMALL:g}", "fill": "#5b6476"},
    "panel-title": {"font-size": "15", "font-weight": "700", "fill": "#1d2433"},
    "date": {"font-size": "12", "fill": "#5b6476"},
    "link": {"font-size": "13", "font-weight": "600", "fill": "#1f5fa8"},
    "sublink": {"font-size": "12", "fill": "#1f5fa8"},
    "status": {"font-size": f"{SMALL:g}", "fill": "#8a5a00", "font-style": "italic"},
}
FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", "Noto Sans", sans-serif'


class Drawing:
    def __init__(self, width: float, height: float, title: str, desc: str, ident: str) -> None:
        self.ident = ident
        self.root = ET.Element("svg", {
            "xmlns": SVG_NS, "xmlns:xlink": XLINK_NS, "version": "1.1",
            "width": f"{width:.0f}", "height": f"{height:.0f}",
            "viewBox": f"0 0 {width:.0f} {height:.0f}", "role": "img",
            "aria-labelledby": f"{ident}-title {ident}-desc", "class": f"kg-diagram {ident}",
            "font-family": FONT_FAMILY,
        })
        ET.SubElement(self.root, "title", id=f"{ident}-title").text = title
        ET.SubElement(self.root, "desc", id=f"{ident}-desc").text = desc
        defs = ET.SubElement(self.root, "defs")
        for kind, (colour, _) in EDGE_STYLES.items():
            marker = ET.SubElement(defs, "marker", {
                "id": self.marker(kind), "viewBox": "0 0 10 10", "refX": "9", "refY": "5",
                "markerWidth": "10", "markerHeight": "10", "markerUnits": "userSpaceOnUse",
                "orient": "auto-start-reverse"})
            ET.SubElement(marker, "path", d="M 0 0 L 10 5 L 0 10 z", fill=colour)

    def marker(self, kind: str) -> str:
        return f"{self.ident}-arrow-{kind}"

    def group(self, parent: ET.Element | None = None,
              attrs: dict[str, str] | None = None) -> ET.Element:
        return ET.SubElement(self.root if parent is None else parent, "g", attrs or {})

    def text(self, parent: ET.Element, x: float, y: float, text: str, cls: str,
             anchor: str = "middle") -> ET.Element:
        attrs = {"x": f"{x:.1f}", "y": f"{y:.1f}", "text-anchor": anchor}
        if cls:  # prefixed: a page's own CSS (".note") must not restyle an inlined drawing
            attrs["class"] = f"dg-{cls}"
            attrs.update(TEXT.get(cls, {}))
        el = ET.SubElement(parent, "text", attrs)
        el.text = text
        return el

    def link(self, parent: ET.Element, href: str | None, title: str) -> ET.Element:
        """An ``<a>`` to ``href`` (or a plain group) with a tooltip."""
        if href:
            el = ET.SubElement(parent, "a", {"href": href, "xlink:href": href,
                                             "target": "_top"})
        else:
            el = ET.SubElement(parent, "g")
        ET.SubElement(el, "title").text = title
        return el

    def node(self, parent: ET.Element, node: Node, *, focus: bool = False,
             pending: bool = False, dx: float = 0.0, dy: float = 0.0) -> None:
        tooltip = " · ".join(p for p in (node.subtitle or node.title, node.note, node.iri) if p)
        a = self.link(parent, node.href, tooltip)
        classes = ["node", node.kind]
        if node.ghost:
            classes.append("ghost")
        if pending:
            classes.append("pending")
        if focus:
            classes.append("focus")
        g = ET.SubElement(a, "g", {"class": " ".join(classes), "data-iri": node.iri})
        x, y = node.x + dx, node.y + dy
        fill, stroke = NODE_COLOURS.get(node.kind, ("#ffffff", "#8a94a6"))
        rect = {"x": f"{x:.1f}", "y": f"{y:.1f}", "width": f"{node.w:.1f}",
                "height": f"{node.h:.1f}", "rx": "5", "fill": fill, "stroke": stroke,
                "stroke-width": "1.2"}
        if node.ghost:
            rect.update({"fill": "#f5f7fa", "stroke": "#b8bfcc", "stroke-dasharray": "3 3"})
        elif pending:
            rect["stroke-dasharray"] = "5 3"
        if focus:
            rect.update({"stroke": "#d97706", "stroke-width": "3"})
        ET.SubElement(g, "rect", rect)
        cx = x + node.w / 2
        line = y + 18
        self.text(g, cx, line, node.title, "ghost" if node.ghost else "title")
        for extra, cls in ((node.subtitle, "subtitle"), (node.note, "note")):
            if extra:
                line += 15
                self.text(g, cx, line, _clip(extra, node.w), cls)

    def edge(self, parent: ET.Element, edge: Edge, d: str, label_at: tuple[float, float] | None,
             *, focus: bool = False, arrow: bool = True) -> None:
        classes = ["edge", edge.kind] + (["pending"] if edge.pending else []) \
            + list(edge.classes) + (["focus"] if focus else [])
        if edge.about:  # the edge stands for a resource (a claim): link to its page
            parent = self.link(parent, edge.href, edge.tooltip)
        g = ET.SubElement(parent, "g", {"class": " ".join(classes),
                                        "data-source": edge.source, "data-target": edge.target})
        if edge.about:
            g.set("data-about", edge.about)
        colour = EDGE_STYLES.get(edge.kind, ("#5b6476", ""))[0]
        attrs = {"d": d, "fill": "none", "stroke": colour,
                 "stroke-width": "3" if focus else "1.6"}
        if edge.pending:
            attrs["stroke-dasharray"] = "7 4"
        if edge.kind in EDGE_DASH:
            attrs["stroke-dasharray"] = EDGE_DASH[edge.kind]
            attrs["stroke-linecap"] = "round"
        for cls in edge.classes:
            if cls in EDGE_OPACITY:
                attrs["stroke-opacity"] = EDGE_OPACITY[cls]
        if arrow:
            attrs["marker-end"] = f"url(#{self.marker(edge.kind)})"
        ET.SubElement(g, "path", attrs)
        if edge.label and label_at:
            self.text(g, label_at[0], label_at[1], edge.label, "edge-label")

    def legend(self, x: float, y: float, kinds: list[str], pending: bool) -> float:
        """Legend rows for the edge kinds used; returns the y below it."""
        g = self.group(attrs={"class": "legend"})
        for kind in kinds:
            colour, text = EDGE_STYLES[kind]
            line = {"x1": f"{x:.0f}", "y1": f"{y:.0f}", "x2": f"{x + 30:.0f}",
                    "y2": f"{y:.0f}", "stroke": colour, "stroke-width": "2"}
            if kind in EDGE_DASH:
                line.update({"stroke-dasharray": EDGE_DASH[kind], "stroke-linecap": "round"})
            ET.SubElement(g, "line", line)
            self.text(g, x + 38, y + 4, text, "small", anchor="start")
            y += 18
        if pending:
            ET.SubElement(g, "line", {"x1": f"{x:.0f}", "y1": f"{y:.0f}", "x2": f"{x + 30:.0f}",
                                      "y2": f"{y:.0f}", "stroke": "#5b6476", "stroke-width": "2",
                                      "stroke-dasharray": "7 4"})
            self.text(g, x + 38, y + 4, "announced or planned, not yet in effect", "small",
                      anchor="start")
            y += 18
        return y

    def to_string(self) -> str:
        return ET.tostring(self.root, encoding="unicode")


def _clip(text: str, width: float) -> str:
    """Cut a line to what fits in ``width`` (estimated), with an ellipsis."""
    from .layout import text_width

    if text_width(text, SMALL) <= width - 8:
        return text
    while text and text_width(text + "…", SMALL) > width - 8:
        text = text[:-1]
    return text.rstrip() + "…"


def curve_down(x1: float, y1: float, x2: float, y2: float) -> str:
    """A vertical S-curve from (x1, y1) down to (x2, y2)."""
    my = (y1 + y2) / 2
    return f"M {x1:.1f} {y1:.1f} C {x1:.1f} {my:.1f}, {x2:.1f} {my:.1f}, {x2:.1f} {y2:.1f}"


def curve_across(x1: float, y1: float, x2: float, y2: float) -> str:
    """A horizontal S-curve from (x1, y1) to (x2, y2)."""
    mx = (x1 + x2) / 2
    return f"M {x1:.1f} {y1:.1f} C {mx:.1f} {y1:.1f}, {mx:.1f} {y2:.1f}, {x2:.1f} {y2:.1f}"

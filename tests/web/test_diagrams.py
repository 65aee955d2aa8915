"""The diagrams, fetched from the running service and read as XML.

The built dataset gives the expected pictures (the article's command changes, its dated events,
its states and frameworks); the writable server shows that a diagram follows the store: an
update adding a ``reportsTo`` is in the next drawing, and gone after it is deleted.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import requests

from .conftest import Server, update

SVG = "{http://www.w3.org/2000/svg}"
AKR = "https://w3id.org/alliance-kg/resource/"
INDOPACOM = AKR + "united-states-indo-pacific-command"
JFHQ = AKR + "joint-force-headquarters-japan"
USFJ = AKR + "united-states-forces-japan"
JJOC = AKR + "japan-joint-operational-command"
PERSONNEL = AKR + "us-personnel-in-japan"
CLAIM_S29 = AKR + "claim-s29-equal-counterparts"
FORECAST_LEGEND = "forecast by the author (a claim, not a fact)"


class Drawing:
    def __init__(self, text: str) -> None:
        self.root = ET.fromstring(text.encode("utf-8"))
        assert self.root.tag == SVG + "svg"
        self.groups = list(self.root.iter(SVG + "g"))

    def nodes(self) -> dict[str, set[str]]:
        """IRI -> the classes of its box (several panels: the union)."""
        out: dict[str, set[str]] = {}
        for g in self.groups:
            classes = set(g.get("class", "").split())
            if "node" in classes:
                out.setdefault(g.get("data-iri", ""), set()).update(classes)
        return out

    def edges(self) -> set[tuple[str, str, str, bool]]:
        out = set()
        for g in self.groups:
            classes = g.get("class", "").split()
            if "edge" in classes:
                out.add((g.get("data-source", ""), g.get("data-target", ""), classes[1],
                         "pending" in classes))
        return out

    def edge_groups(self, kind: str) -> list[ET.Element]:
        return [g for g in self.groups if g.get("class", "").split()[:2] == ["edge", kind]]

    def edge_links(self) -> dict[str, tuple[str, str]]:
        """IRI an edge stands for (data-about) -> (href, tooltip) of the link around it."""
        out = {}
        for a in self.root.iter(SVG + "a"):
            for g in a.iter(SVG + "g"):
                if g.get("data-about"):
                    out[g.get("data-about", "")] = (a.get("href", ""),
                                                    a.findtext(SVG + "title") or "")
        return out

    def links(self) -> dict[str, str]:
        """IRI of a node -> the href of the link around it."""
        out = {}
        for a in self.root.iter(SVG + "a"):
            for g in a.iter(SVG + "g"):
                if g.get("data-iri"):
                    out[g.get("data-iri", "")] = a.get("href", "")
        return out


def svg(server: Server, path: str) -> Drawing:
    r = requests.get(server.url + path, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == "image/svg+xml"
    return Drawing(r.text)


def test_command_structure_before(ro_server: Server) -> None:
    d = svg(ro_server, "/diagrams/command-structure.svg?when=before")
    nodes = d.nodes()
    assert {INDOPACOM, USFJ, PERSONNEL} <= set(nodes)
    # the JFHQ and the JJOC do not exist before the changes
    assert JFHQ not in nodes and JJOC not in nodes
    assert (INDOPACOM, PERSONNEL, "operationalCommand", False) in d.edges()


def test_command_structure_after(ro_server: Server) -> None:
    d = svg(ro_server, "/diagrams/command-structure.svg?when=after")
    nodes, edges = d.nodes(), d.edges()
    assert {INDOPACOM, JFHQ, JJOC, PERSONNEL} <= set(nodes)
    assert "ghost" in nodes[USFJ]  # what the upgrade replaces, shown faded
    assert (INDOPACOM, JFHQ, "reportsTo", True) in edges  # the JFHQ will report to INDOPACOM
    # the transfer: command over the personnel moves from INDOPACOM to the JFHQ
    assert (JFHQ, PERSONNEL, "operationalCommand", True) in edges
    assert not any(e[:3] == (INDOPACOM, PERSONNEL, "operationalCommand") for e in edges)
    assert (USFJ, JFHQ, "upgrade", True) in edges
    commanded = {e[1] for e in edges if e[0] == JJOC and e[2] == "operationalCommand"}
    assert {AKR + "japan-air-self-defense-force", AKR + "japan-ground-self-defense-force",
            AKR + "japan-maritime-self-defense-force"} == commanded
    texts = "".join(d.root.itertext())
    assert "INDOPACOM" in texts and "JFHQ" in texts and "2025-03" in texts


def test_command_structure_both_and_links(ro_server: Server) -> None:
    d = svg(ro_server, "/diagrams/command-structure.svg")
    panels = [g for g in d.groups if g.get("class") == "panel"]
    assert len(panels) == 2
    links = d.links()
    assert links[JFHQ] == "/page/resource/joint-force-headquarters-japan"
    assert all(href.startswith("/page/") for href in links.values())


def test_bad_when_is_400(ro_server: Server) -> None:
    r = requests.get(ro_server.url + "/diagrams/command-structure.svg?when=during", timeout=30)
    assert r.status_code == 400
    assert "before" in r.text


def test_timeline_in_date_order(ro_server: Server) -> None:
    d = svg(ro_server, "/diagrams/timeline.svg")
    rows = [(g.get("data-iri"), "target" in g.get("class", "").split()) for g in d.groups
            if "tick" in g.get("class", "").split()]
    order = [iri for iri, _ in rows]
    assert order.index(AKR + "scc-2024-07-28") < order.index(AKR + "jjoc-establishment")
    assert order.index(AKR + "biden-kishida-summit-2024-04") \
        < order.index(AKR + "scc-2024-07-28")
    assert (AKR + "jjoc-establishment", True) in rows
    # what the July meeting announced is listed under it
    subs = {g.get("data-iri") for g in d.groups if g.get("class") == "sub"}
    assert AKR + "usfj-upgrade-2024" in subs
    text = "".join(d.root.itertext())
    assert "28 Jul 2024" in text and "by Mar 2025" in text


def test_network_of_states_and_arrangements(ro_server: Server) -> None:
    d = svg(ro_server, "/diagrams/network.svg")
    edges = {(s, t) for s, t, kind, _ in d.edges() if kind == "party"}
    assert (AKR + "japan", AKR + "quad") in edges
    assert (AKR + "united-states", AKR + "us-japan-alliance") in edges
    assert (AKR + "australia", AKR + "trilateral-security-dialogue") in edges
    nodes = d.nodes()
    assert "state" in nodes[AKR + "japan"]
    assert "alliance" in nodes[AKR + "us-japan-alliance"]


def test_diagrams_page_and_resource_pages_show_them(ro_server: Server) -> None:
    r = requests.get(ro_server.url + "/diagrams", timeout=30)
    assert r.status_code == 200
    for name in ("command-structure", "timeline", "network"):
        assert f"/diagrams/{name}.svg" in r.text
    assert r.text.count("<svg") == 3
    page = requests.get(ro_server.url + "/page/resource/joint-force-headquarters-japan",
                        timeout=30).text
    assert 'class="kg-diagram cmd"' in page
    start = page.index("<svg")
    d = Drawing(page[start:page.index("</svg>", start) + len("</svg>")])
    assert "focus" in d.nodes()[JFHQ]
    japan = requests.get(ro_server.url + "/page/resource/japan", timeout=30).text
    assert 'class="kg-diagram network"' in japan


def test_diagram_follows_the_store(rw_server: Server) -> None:
    prefix = ("PREFIX akr: <https://w3id.org/alliance-kg/resource/>\n"
              "PREFIX akg: <https://w3id.org/alliance-kg/ontology/>\n"
              "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
    data = ('akr:test-cmd-a akg:reportsTo akr:test-cmd-b . '
            'akr:test-cmd-a rdfs:label "Test <Command> & Co"@en . '
            'akr:test-cmd-b rdfs:label "Test superior"@en .')
    a, b = AKR + "test-cmd-a", AKR + "test-cmd-b"
    before = svg(rw_server, "/diagrams/command-structure.svg?when=after")
    assert a not in before.nodes()
    assert update(rw_server, prefix + f"INSERT DATA {{ {data} }}").status_code == 204
    try:
        for when in ("before", "after"):
            d = svg(rw_server, f"/diagrams/command-structure.svg?when={when}")
            assert (b, a, "reportsTo", False) in d.edges()
            assert "Test <Command> & Co" in "".join(d.root.itertext())
    finally:
        assert update(rw_server, prefix + f"DELETE DATA {{ {data} }}").status_code == 204
    assert a not in svg(rw_server, "/diagrams/command-structure.svg?when=after").nodes()


def _dash(g: ET.Element) -> str | None:
    path = g.find(SVG + "path")
    assert path is not None
    return path.get("stroke-dasharray")


def test_forecast_drawn_as_a_claim_not_a_fact(ro_server: Server) -> None:
    """s29 forecasts (akv:likely) that the JFHQ and JJOC will be equal counterparts: not a fact,
    so a dotted "forecast" edge linked to the claim, never a plain counterpart edge."""
    d = svg(ro_server, "/diagrams/command-structure.svg?when=after")
    edges = d.edges()
    assert (JFHQ, JJOC, "forecast", False) in edges
    assert not any(e[2] == "counterpart" and {e[0], e[1]} == {JFHQ, JJOC} for e in edges)
    [g] = [g for g in d.edge_groups("forecast") if g.get("data-about") == CLAIM_S29]
    assert "unlikely" not in g.get("class", "").split()  # the data says likely
    assert "".join(g.itertext()) == "forecast: equal counterparts (likely)"
    href, tooltip = d.edge_links()[CLAIM_S29]
    assert href == "/page/resource/claim-s29-equal-counterparts"
    assert "equal counterparts" in tooltip and "Maslow" in tooltip
    # styled unlike every asserted edge: its own dash pattern and colour
    forecast_dash = _dash(g)
    assert forecast_dash
    asserted = [x for kind in ("reportsTo", "operationalCommand") for x in d.edge_groups(kind)]
    assert asserted and all(_dash(x) != forecast_dash for x in asserted)
    assert FORECAST_LEGEND in "".join(d.root.itertext())
    # equal counterparts are drawn side by side (the JJOC moved down beside the JFHQ)
    boxes = {g.get("data-iri"): g.find(SVG + "rect") for g in d.groups if g.get("data-iri")}
    jfhq, jjoc = boxes[JFHQ], boxes[JJOC]
    assert jfhq is not None and jjoc is not None
    assert float(jfhq.get("y", "0")) == float(jjoc.get("y", "1"))
    # the author's other s29 prediction (no combined forces command) has no reified triple
    assert {g.get("data-about") for g in d.edge_groups("forecast")} == {CLAIM_S29}
    # a forecast is about the future: none in the "before" picture
    before = svg(ro_server, "/diagrams/command-structure.svg?when=before")
    assert not before.edge_groups("forecast")
    assert FORECAST_LEGEND not in "".join(before.root.itertext())


def test_claim_page_shows_its_forecast_highlighted(ro_server: Server) -> None:
    page = requests.get(ro_server.url + "/page/resource/claim-s29-equal-counterparts",
                        timeout=30).text
    start = page.index('<svg xmlns="http://www.w3.org/2000/svg"')
    d = Drawing(page[start:page.index("</svg>", start) + len("</svg>")])
    lit = [g for g in d.edge_groups("forecast") if "focus" in g.get("class", "").split()]
    assert [g.get("data-about") for g in lit] == [CLAIM_S29]


def test_asserted_counterpart_and_unlikely_forecast_follow_the_store(rw_server: Server) -> None:
    """An asserted counterpartOf is a plain counterpart edge; a claim judged unlikely is drawn
    as a faint forecast labelled unlikely; both go when deleted."""
    prefix = ("PREFIX akr: <https://w3id.org/alliance-kg/resource/>\n"
              "PREFIX akg: <https://w3id.org/alliance-kg/ontology/>\n"
              "PREFIX akv: <https://w3id.org/alliance-kg/vocab/>\n"
              "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
              "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
    x, y, z = AKR + "test-cp-x", AKR + "test-cp-y", AKR + "test-cp-z"
    claim = AKR + "test-claim-x-reports-to-z"
    data = ('akr:test-cp-x a akg:MilitaryCommand ; rdfs:label "Test command X"@en ; '
            '  akg:counterpartOf akr:test-cp-y . '
            'akr:test-cp-y a akg:MilitaryCommand ; rdfs:label "Test command Y"@en . '
            'akr:test-cp-z a akg:MilitaryCommand ; rdfs:label "Test command Z"@en . '
            'akr:test-cp-y akg:reportsTo akr:test-cp-z . '
            'akr:test-claim-x-reports-to-z a akg:Prediction ; '
            '  rdfs:label "X will report to Z (test)"@en ; akg:likelihood akv:unlikely ; '
            '  rdf:subject akr:test-cp-x ; rdf:predicate akg:reportsTo ; '
            '  rdf:object akr:test-cp-z .')
    r = update(rw_server, prefix + f"INSERT DATA {{ {data} }}")
    assert r.status_code == 204, r.text
    try:
        d = svg(rw_server, "/diagrams/command-structure.svg?when=after")
        edges = d.edges()
        cp = [g for g in d.edge_groups("counterpart")
              if {g.get("data-source"), g.get("data-target")} == {x, y}]
        assert len(cp) == 1 and _dash(cp[0]) is None and not cp[0].get("data-about")
        assert not any(e[2] == "forecast" and {e[0], e[1]} == {x, y} for e in edges)
        [fc] = [g for g in d.edge_groups("forecast") if g.get("data-about") == claim]
        assert (fc.get("data-source"), fc.get("data-target")) == (x, z)
        assert "unlikely" in fc.get("class", "").split()
        assert "".join(fc.itertext()) == "forecast: reports to (unlikely)"
        path = fc.find(SVG + "path")
        assert path is not None and path.get("stroke-opacity") == "0.5"
        assert d.edge_links()[claim][0] == "/page/resource/test-claim-x-reports-to-z"
        # the claim is not a fact: X does not report to Z in the drawing
        assert not any(e[2] == "reportsTo" and (e[0], e[1]) == (z, x) for e in edges)
    finally:
        r = update(rw_server, prefix + f"DELETE DATA {{ {data} }}")
        assert r.status_code == 204, r.text
    after = svg(rw_server, "/diagrams/command-structure.svg?when=after")
    assert x not in after.nodes() and not after.edge_groups("forecast")

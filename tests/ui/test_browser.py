"""A person's path through the site, in headless Chromium: open the query UI, pick an example,
run it, sort and download the results, follow a result to its resource page and see the
diagram there; the ontology documentation's anchors. Every request must stay on our server
(offline: no CDN, no prefix.cc, no LOV): anything else is aborted and fails the test.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.browser

READY = "#akg-yasgui[data-ready=true]"
ROWS = ".yasr table.dataTable tbody tr"


def open_ui(page: Any, server: Any) -> None:
    page.goto(server.url + "/")
    page.wait_for_selector(READY, timeout=20_000)


def run(page: Any) -> None:
    before = page.get_attribute("#akg-yasgui", "data-last-response")
    page.click(".yasqe_queryButton")
    page.wait_for_function(
        "b => document.querySelector('#akg-yasgui').dataset.lastResponse !== b",
        arg=before, timeout=20_000)


def test_example_query_to_resource_page_with_diagram(page: Any, ui_server: Any) -> None:
    open_ui(page, ui_server)
    examples = page.locator("button.akg-example")
    assert examples.count() >= 30
    # filter the list as a person would, then pick the question
    page.fill("#akg-example-filter", "report directly")
    visible = page.locator("li:not([hidden]) > button.akg-example")
    assert visible.count() == 1
    visible.first.click()
    editor = page.locator(".yasqe .CodeMirror").first.inner_text()
    assert "akg:reportsTo" in editor and "Question:" in editor
    run(page)
    page.wait_for_selector(ROWS, timeout=20_000)
    links = page.locator(".yasr a.iri.akg-local")
    assert links.count() >= 1
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert all(h and h.startswith("/resource/") for h in hrefs), hrefs
    assert all(re.match(r"akr:[a-z0-9-]+$", links.nth(i).inner_text())
               for i in range(links.count()))
    # downloads re-run the query in the chosen format
    csv_href = page.get_attribute("a.akg-download-csv", "href")
    assert csv_href and "format=csv" in csv_href
    csv = requests.get(ui_server.url + csv_href, timeout=10)
    assert csv.status_code == 200 and csv.text.splitlines()[0].strip() == "command"
    assert len(csv.text.strip().splitlines()) - 1 == page.locator(ROWS).count()
    json_href = page.get_attribute("a.akg-download-json", "href")
    assert requests.get(ui_server.url + json_href, timeout=10).json()["results"]["bindings"]

    target = page.locator(".yasr a.akg-local", has_text="joint-force-headquarters-japan")
    assert target.count() >= 1
    target.first.click()
    page.wait_for_url(re.compile(r"/page/resource/joint-force-headquarters-japan$"),
                      timeout=20_000)
    assert "joint force headquarters" in page.locator("h1").inner_text().lower()
    diagram = page.locator("section.diagram svg").first
    diagram.wait_for(timeout=20_000)
    box = diagram.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 50
    assert page.locator("section.diagram svg text").count() >= 2
    assert page.outside == [] and page.errors == []


def test_sorting_construct_turtle_and_completion(page: Any, ui_server: Any) -> None:
    open_ui(page, ui_server)
    page.evaluate("""() => { window.akgYasgui.getTab().setQuery('SELECT ?s ?label WHERE {'
        + ' ?s a akg:State ; rdfs:label ?label FILTER(lang(?label)="en") }'); }""")
    run(page)
    page.wait_for_selector(ROWS, timeout=20_000)

    def labels() -> list[str]:
        return page.locator(f"{ROWS} td:nth-child(3)").all_inner_texts()

    header = page.locator(".yasr table.dataTable thead th", has_text="label")
    header.click()
    page.wait_for_selector(".yasr thead th.dt-ordering-asc, .yasr thead th.sorting_asc")
    first = labels()
    header.click()
    page.wait_for_selector(".yasr thead th.dt-ordering-desc, .yasr thead th.sorting_desc")
    second = labels()
    assert len(first) >= 2 and first == sorted(first) and second == first[::-1]
    # the editor declared akg: and rdfs:, which the query used without declaring them
    query = page.evaluate("() => window.akgYasgui.getTab().getQuery()")
    assert "PREFIX akg: <https://w3id.org/alliance-kg/ontology/>" in query
    assert "PREFIX rdfs:" in query

    page.evaluate("""() => { window.akgYasgui.getTab().setQuery(
        'CONSTRUCT { ?c akg:reportsTo ?b } WHERE { ?c akg:reportsTo ?b }'); }""")
    run(page)
    response = page.locator(".yasr .CodeMirror").first
    response.wait_for(timeout=20_000)
    text = response.inner_text()
    assert "akg:reportsTo" in text or "<https://w3id.org/alliance-kg/ontology/reportsTo>" in text
    assert page.locator("a.akg-download-turtle").count() == 1

    # prefix completion from our table: typing "akv:" in a fresh query declares it
    page.evaluate("() => { window.akgYasgui.getTab().setQuery('SELECT * WHERE { ?s ?p '); }")
    cm = page.locator(".yasqe .CodeMirror").first
    cm.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("akv:")
    page.wait_for_function(
        "() => window.akgYasgui.getTab().getQuery().includes('PREFIX akv:')", timeout=10_000)
    assert page.outside == [] and page.errors == []


def test_ontology_doc_anchor(page: Any, ui_server: Any) -> None:
    page.goto(ui_server.url + "/ontology#Alliance")
    section = page.locator("section.term#Alliance")
    section.wait_for(timeout=10_000)
    assert "akg:Alliance" in section.inner_text()
    box = section.bounding_box()
    assert box is not None and 0 <= box["y"] < 200  # scrolled to the term
    page.click("section.term#Alliance a[href='#SecurityArrangement']")
    assert page.url.endswith("#SecurityArrangement")
    assert page.outside == [] and page.errors == []

"""Search in headless Chromium (issue 15): the search box of every page lists hits as one
types (highlighted, with their kind and type) and opens the chosen one; the query editor
completes our entities by label, in English or Japanese, inserting the IRI. Every request must
stay on our server.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

READY = "#akg-yasgui[data-ready=true]"
HITS = "ul.akg-search-results li.akg-search-hit"


def test_search_box_on_a_resource_page_lists_hits_and_opens_one(page: Any,
                                                                 ui_server: Any) -> None:
    page.goto(ui_server.url + "/page/resource/japan")
    box = page.locator("input[data-akg-search]")
    box.click()
    box.type("patriot pac", delay=30)
    page.wait_for_selector(HITS, timeout=10_000)
    first = page.locator(HITS).first
    assert "Patriot PAC-3" in first.locator(".akg-search-label").inner_text()
    assert first.locator("mark").first.inner_text().lower() == "patriot"
    assert "entity" in first.locator(".akg-search-kind").inner_text()
    box.press("ArrowDown")
    assert first.get_attribute("aria-selected") == "true"
    box.press("Enter")
    page.wait_for_url("**/page/resource/patriot-pac-3", timeout=10_000)
    assert page.outside == [] and page.errors == []


def test_search_box_finds_japanese_and_typos_and_enter_opens_the_results_page(
        page: Any, ui_server: Any) -> None:
    page.goto(ui_server.url + "/diagrams")
    box = page.locator("input[data-akg-search]")
    box.fill("統合作戦")
    page.wait_for_selector(HITS, timeout=10_000)
    labels = page.locator(f"{HITS} .akg-search-label").all_inner_texts()
    assert "Japan Joint Operational Command" in labels
    assert page.locator(f"{HITS} mark").first.inner_text() == "統合作戦"
    box.fill("")
    box.type("taiwn", delay=30)  # a typo
    page.wait_for_function("() => [...document.querySelectorAll("
                           "'.akg-search-label')].some(e => e.textContent === 'Taiwan')",
                           timeout=10_000)
    box.press("Enter")  # nothing chosen: the full results page
    page.wait_for_url("**/search?**", timeout=10_000)
    assert page.locator("ol.hits li.hit").count() >= 1
    assert page.locator("ol.hits li.hit a").first.get_attribute("href") == \
        "/page/resource/taiwan"
    assert page.outside == [] and page.errors == []


def test_query_editor_completes_entities_by_label_in_either_language(page: Any,
                                                                     ui_server: Any) -> None:
    page.goto(ui_server.url + "/")
    page.wait_for_selector(READY, timeout=20_000)
    # the query UI has the site's search box too
    page.locator("input[data-akg-search]").fill("quad")
    page.wait_for_selector(HITS, timeout=10_000)
    assert "Quadrilateral Security Dialogue" in page.locator(HITS).first.inner_text()
    # a query being written: the object of a pattern is what we complete
    page.evaluate("() => { const y = window.akgYasgui.getTab().getYasqe();"
                  " y.setValue('SELECT * WHERE {\\n  ?s ?p '); y.focus();"
                  " y.setCursor({line: 1, ch: 9}); }")
    page.keyboard.type("akr:日本", delay=60)
    hint = page.locator("ul.CodeMirror-hints li")
    hint.first.wait_for(timeout=10_000)
    texts = hint.all_inner_texts()
    assert any(t.startswith("akr:japan") and "Japan" in t for t in texts), texts
    page.keyboard.press("Enter")
    value = page.evaluate("() => window.akgYasgui.getTab().getYasqe().getValue()")
    assert value.endswith("?s ?p akr:japan"), value
    page.keyboard.type(" .\n  ?x ?y akr:joint-forc", delay=60)
    page.wait_for_function("() => [...document.querySelectorAll('ul.CodeMirror-hints li')]"
                           ".some(li => li.textContent.includes('joint-force-headquarters'))",
                           timeout=10_000)
    assert page.outside == [] and page.errors == []


def test_the_ontology_page_has_the_search_box_too(page: Any, ui_server: Any) -> None:
    """The ontology documentation is self-contained as ``build`` writes it; served, it gets the
    search box (its script and stylesheet allowed by the page's policy, from this server)."""
    page.goto(ui_server.url + "/ontology")
    box = page.locator("input[data-akg-search]")
    box.click()
    box.type("patriot pac", delay=30)
    page.wait_for_selector(HITS, timeout=10_000)
    assert "Patriot PAC-3" in page.locator(f"{HITS} .akg-search-label").first.inner_text()
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url("**/page/resource/patriot-pac-3", timeout=10_000)
    assert page.outside == [] and page.errors == []

"""The *inferred* badge of a resource page opens the statement's proof, in headless Chromium:
the rule names, the axioms, and the quotes of the sentences at its leaves; from a proof, the
sentence's "what depends on it" page. Every request must stay on our server."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_inferred_badge_opens_the_proof_with_quotes(page: Any, ui_server: Any) -> None:
    page.goto(ui_server.url + "/page/resource/joint-force-headquarters-japan")
    badge = page.locator("a.badge.inferred").first
    badge.wait_for(timeout=20_000)
    badge.click()
    page.wait_for_url("**/explain?**", timeout=20_000)
    page.wait_for_selector(".proof .rule", timeout=20_000)
    assert page.title().startswith("Why:")
    rules = page.locator(".proof .rule").all_inner_texts()
    assert rules and all("-" in r for r in rules)
    quotes = page.locator(".proof blockquote").all_inner_texts()
    assert quotes and all(q.strip() for q in quotes)
    assert page.locator(".proof .status-asserted").count() >= 1
    assert not page.outside and not page.errors


def test_a_proof_of_a_sub_organisation_ends_in_sentence_11(page: Any, ui_server: Any) -> None:
    page.goto(ui_server.url + "/explain?s=akr:joint-force-headquarters-japan"
              "&p=org:subOrganizationOf&o=akr:united-states-indo-pacific-command",
              wait_until="load")
    text = page.locator(".proof").inner_text()
    assert "prp-spo1" in text and "akg:reportsTo rdfs:subPropertyOf org:subOrganizationOf" in text
    assert "The JFHQ will report to the United States Indo-Pacific Command" in text
    # the sentence leads to its page, and a sentence graph to what depends on it
    page.locator(".proof .source .src-key").first.click()
    page.wait_for_url("**/page/resource/article-maslow-2024-s11", timeout=20_000)
    page.locator("a.depends").first.click()
    page.wait_for_url("**/explain/dependents?**", timeout=20_000)
    assert "org:subOrganizationOf" in page.locator("#h-inferred + ul").inner_text()
    assert not page.outside and not page.errors

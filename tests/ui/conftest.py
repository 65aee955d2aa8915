"""A real server for the UI tests (tests/web's ``start_server``: serve in a subprocess), and
headless Chromium for the browser tests.

Chromium is Debian's ``/usr/bin/chromium`` (``./dev test`` installs it when run as root),
driven by Playwright for Python with ``executable_path``; Playwright never downloads a browser.
Without it the browser tests skip locally with a message, and fail when ``CI`` is set: CI must
never pass by skipping them. A failing browser test leaves a screenshot and the page's HTML in
``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-dev-shm-usage"]


def _web() -> ModuleType:
    """tests/web/conftest.py as a module (its start_server, built_dataset, FIXTURE)."""
    name = "alliance_kg_web_test_support"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "web" / "conftest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


web = _web()
Server = web.Server


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp = tmp_path_factory.mktemp("ui")
    dataset = web.built_dataset() or web.FIXTURE
    server = web.start_server(tmp, "ui", dataset=str(dataset), allow_update=False,
                              query_timeout=10.0)
    yield server
    web.stop_server(server)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI is set: browser tests must run there)")
    pytest.skip(reason)


# one browser per module, not per session: the Playwright driver ends when its stdin pipe
# closes, and any process forked while it runs (a query worker of a store made in this
# process) inherits that pipe; closing it right after the browser tests keeps it short
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: `sudo apt-get install chromium` (./dev test "
                     "installs it when run as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest, ui_server: Any) -> Iterator[Any]:
    """A fresh browser context (no stored YASGUI tabs) whose requests may only go to our
    server: anything else is aborted and recorded in ``page.outside``."""
    from alliance_kg.web.ui import assets_built

    if not assets_built():
        _unavailable("the query UI's assets are not built: run ./dev (npm ci in ui/)")
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    outside: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(ui_server.url) or url.startswith("data:"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    pg.outside = outside
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        stem = ARTIFACTS / request.node.name
        pg.screenshot(path=str(stem.with_suffix(".png")), full_page=True)
        stem.with_suffix(".html").write_text(pg.content(), encoding="utf-8")
    context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the test item, so the page fixture knows it failed."""
    outcome = yield
    rep = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{rep.when}", rep)

"""Fixtures every test folder may use. Folder-specific fixtures live beside their tests."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STORES = ("oxigraph", "memory", "remote")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--store", choices=STORES, default="oxigraph",
                     help="store backend the web tests' servers use (remote: a real "
                          "oxigraph serve started by the tests)")
    parser.addoption("--remote-engine", choices=("oxigraph", "virtuoso"), default="oxigraph",
                     help="the server behind --store remote: oxigraph serve, or Virtuoso 7 "
                          "(tests/store/virtuoso_server.py)")


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository: ontology/, data/, shapes/, queries/ are read from here."""
    return ROOT

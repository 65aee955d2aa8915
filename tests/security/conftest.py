"""Fixtures of the security tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.security.loopback import Listener


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    """A loopback listener that must never be contacted (see loopback.py)."""
    ear = Listener()
    yield ear
    ear.close()

from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; live_server tests need this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def system_actor():
    from tests.factories import SYSTEM

    return SYSTEM

"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    # aiosqlite, SQLAlchemy's asyncio layer and huey's helpers are asyncio-only.
    return "asyncio"

"""Fixtures for the activitypub library tests: a fixed clock and the static keys."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from activitypub.testing import STATIC_KEYS, StaticKey

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def now() -> datetime:
    return datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def key() -> StaticKey:
    return STATIC_KEYS[0]


@pytest.fixture
def other_key() -> StaticKey:
    return STATIC_KEYS[2]

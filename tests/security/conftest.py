"""Fixtures for the regression tests of the security review (issue 11): one module per finding."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    # Sign-in throttling is about counting attempts, not about argon2's cost.
    monkeypatch.setattr(
        "fedi.security.passwords._hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )

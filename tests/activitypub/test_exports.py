from __future__ import annotations

from types import ModuleType

import pytest

import activitypub
import activitypub.objects
import activitypub.signatures


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical.
    if name.isupper():
        return (0, name)
    return (1 if name[0].isupper() else 2, name)


@pytest.mark.parametrize("module", [activitypub, activitypub.signatures, activitypub.objects])
def test_all_is_sorted_and_resolves(module: ModuleType) -> None:
    names = module.__all__
    assert names == sorted(names, key=_isort_key)
    assert len(set(names)) == len(names)
    for name in names:
        assert getattr(module, name) is not None, name


def test_errors_derive_from_exception() -> None:
    assert issubclass(activitypub.ActivityPubError, Exception)
    for name in activitypub.__all__:
        value = getattr(activitypub, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            assert issubclass(value, activitypub.ActivityPubError), name

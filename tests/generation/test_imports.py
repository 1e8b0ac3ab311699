"""The public surface: lazy, sorted, and torch-free where the web process needs it."""

from __future__ import annotations

import subprocess
import sys

import pytest

import generation

TORCH_FREE = ("errors", "types", "presets", "provenance", "policy", "batcher")


def test_torch_free_modules_do_not_import_torch() -> None:
    code = (
        "import generation, generation.types, generation.presets, generation.provenance, "
        "generation.policy, generation.errors, generation.batcher; import sys; "
        "from generation import GenerationRequest, PromptPolicy, read_params, validate_request; "
        "assert 'torch' not in sys.modules, 'torch was imported'; "
        "assert 'diffusers' not in sys.modules and 'transformers' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions.
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert generation.__all__ == sorted(generation.__all__, key=_isort_key)
    assert len(set(generation.__all__)) == len(generation.__all__)
    for name in generation.__all__:
        assert getattr(generation, name) is not None, name
    assert sorted(dir(generation)) == sorted(generation.__all__)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = generation.no_such_name

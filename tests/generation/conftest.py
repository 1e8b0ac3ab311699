"""Offline fixtures for the generation library: the tiny pipeline, loaded once on CPU."""

from __future__ import annotations

import os

# Before anything imports huggingface_hub, which reads this once.
os.environ["HF_HUB_OFFLINE"] = "1"

from pathlib import Path

import pytest

from generation.device import choose_device
from generation.pipeline import LoadedPipeline, load_pipeline
from generation.presets import PRESETS, Preset

HERE = Path(__file__).parent
# torch's Tensor.__array__ predates numpy 2's copy keyword; diffusers' schedulers trip over it.
NUMPY_COPY_WARNING = "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings(NUMPY_COPY_WARNING))


@pytest.fixture(autouse=True)
def _offline_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)


@pytest.fixture(scope="session")
def tiny() -> Preset:
    return PRESETS["tiny"]


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache dir shared by the session, so the tiny pipeline is built once."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def tiny_loaded(tiny: Preset, model_cache: Path) -> LoadedPipeline:
    return load_pipeline(tiny, cache_dir=str(model_cache), device=choose_device("cpu"))

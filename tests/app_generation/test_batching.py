"""The GPU worker batches what arrives together: fewer pipeline calls, one image per request."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from fedi.config import Settings, load_settings
from fedi.jobs import gpu_worker
from tests.conftest import MODEL_CACHE


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """No database needed: this is the GPU worker's side."""
    return load_settings(data_dir=tmp_path, generation={"preset": "tiny", "cache_dir": str(MODEL_CACHE)})


def _make(settings: Settings, seed: int, size: int = 64) -> dict[str, Any]:
    payload = {"prompt": "a lantern", "negative_prompt": "", "preset": "tiny", "width": size, "height": size,
               "steps": 2, "guidance": 0.0, "seed": seed}  # fmt: skip
    lineage = gpu_worker.Lineage(original_url=f"https://fedi.test/media/generated/{seed}/original.webp")
    return gpu_worker.make_image(
        settings, payload, owner=f"account:{seed % 3}", on_progress=lambda s, t: None, lineage=lineage
    )


def test_eight_concurrent_compatible_requests_share_pipeline_calls(settings: Settings) -> None:
    settings.generation.max_batch = 8
    settings.generation.max_wait_ms = 200
    engine = gpu_worker.engine(settings)
    before = engine.stats().pipeline_calls
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda seed: _make(settings, seed), range(100, 108)))
    calls = engine.stats().pipeline_calls - before
    assert calls < 8
    assert [r["params"]["seed"] for r in results] == list(range(100, 108))
    pixels = {Image.open(io.BytesIO(r["original"])).tobytes() for r in results}
    assert len(pixels) == 8  # eight different images


def test_incompatible_requests_never_share_a_batch(settings: Settings) -> None:
    engine = gpu_worker.engine(settings)
    seen: list[tuple[int, ...]] = []
    engine._on_batch = lambda record: seen.append(tuple({r.width for r in record.requests}))
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda i: _make(settings, 200 + i, 64 if i % 2 else 32), range(6)))
    engine._on_batch = None
    assert seen and all(len(widths) == 1 for widths in seen)

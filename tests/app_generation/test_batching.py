"""The GPU worker batches what arrives together: fewer pipeline calls, one image per request.

The tests build their own engine (max_batch 4, a long max_wait) rather than share the run's, so
the number of pipeline calls is exact: eight compatible requests make two full batches.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from PIL import Image

from fedi.config import Settings, load_settings
from fedi.jobs import gpu_worker
from fedi.jobs.gpu_engine import GpuEngine
from generation.engine import BatchRecord
from tests.conftest import MODEL_CACHE

MAX_BATCH = 4


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """No database needed: this is the GPU worker's side. A full batch goes at once; a partial one
    would wait 10 s, long enough that every request of a test arrives before any batch is due."""
    generation = {
        "preset": "tiny",
        "cache_dir": str(MODEL_CACHE),
        "max_batch": MAX_BATCH,
        "max_wait_ms": 10_000,
    }
    return load_settings(data_dir=tmp_path_factory.mktemp("batching"), generation=generation)


@pytest.fixture(scope="module")
def engine(settings: Settings) -> Iterator[GpuEngine]:
    engine = GpuEngine(settings)
    engine.get().preload("tiny")  # loading is not part of what is counted
    yield engine
    engine.close()


def _make(engine: GpuEngine, settings: Settings, seed: int, size: int = 64) -> dict[str, Any]:
    payload = {"prompt": "a lantern", "negative_prompt": "", "preset": "tiny", "width": size, "height": size,
               "steps": 2, "guidance": 0.0, "seed": seed}  # fmt: skip
    lineage = gpu_worker.Lineage(original_url=f"https://fedi.test/media/generated/{seed}/original.webp")
    return gpu_worker.make_image(
        engine.get(),
        settings,
        payload,
        owner=f"account:{seed % 3}",
        on_progress=lambda s, t: None,
        lineage=lineage,
    )


def test_eight_concurrent_compatible_requests_make_two_full_batches(
    engine: GpuEngine, settings: Settings
) -> None:
    before = engine.get().stats()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda seed: _make(engine, settings, seed), range(100, 108)))
    after = engine.get().stats()
    assert after.pipeline_calls - before.pipeline_calls == 2
    assert after.batches_by_size.get(MAX_BATCH, 0) - before.batches_by_size.get(MAX_BATCH, 0) == 2
    assert [r["params"]["seed"] for r in results] == list(range(100, 108))
    pixels = {Image.open(io.BytesIO(r["original"])).tobytes() for r in results}
    assert len(pixels) == 8  # eight different images


def test_incompatible_requests_never_share_a_batch(engine: GpuEngine, settings: Settings) -> None:
    seen: list[tuple[int, ...]] = []

    def record(batch: BatchRecord) -> None:
        seen.append(tuple(r.width for r in batch.requests))

    engine.get()._on_batch = record
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda i: _make(engine, settings, 200 + i, 64 if i % 2 else 32), range(8)))
    finally:
        engine.get()._on_batch = None
    # Four of each size: two full batches, each of one size.
    assert sorted(seen) == [(32,) * MAX_BATCH, (64,) * MAX_BATCH]

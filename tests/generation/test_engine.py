"""The engine: concurrent submitters, dynamic batching, fairness, cancellation, failures."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generation.device import choose_device
from generation.engine import BatchRecord, GenerationEngine, GenerationHandle
from generation.errors import Cancelled, InvalidRequest, LicenceNotAccepted
from generation.pipeline import LoadedPipeline, load_pipeline
from generation.presets import PRESETS, Preset, build_request
from generation.runner import compatibility_key, run_batch
from generation.types import GenerationRequest, Progress

EngineFactory = Callable[..., tuple[GenerationEngine, list[BatchRecord]]]


@pytest.fixture
def make_engine(model_cache: Path) -> Iterator[EngineFactory]:
    engines: list[GenerationEngine] = []

    def make(**options: Any) -> tuple[GenerationEngine, list[BatchRecord]]:
        batches: list[BatchRecord] = []
        options.setdefault("presets", [PRESETS["tiny"]])
        engine = GenerationEngine(
            device="cpu", cache_dir=str(model_cache), on_batch=batches.append, **options
        )
        engines.append(engine)
        return engine, batches

    yield make
    for engine in engines:
        engine.close(timeout=30)


def _submit_from_threads(
    engine: GenerationEngine, jobs: list[tuple[GenerationRequest, str]]
) -> list[GenerationHandle]:
    handles: list[GenerationHandle | None] = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def submit(index: int) -> None:
        request, owner = jobs[index]
        start.wait()
        handles[index] = engine.submit(request, owner=owner)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(handle is not None for handle in handles)
    return [handle for handle in handles if handle is not None]


def test_concurrent_compatible_requests_share_pipeline_calls(
    make_engine: EngineFactory, tiny: Preset, tiny_loaded: LoadedPipeline
) -> None:
    engine, batches = make_engine(max_batch=8, max_wait_s=0.5)
    requests = [build_request(tiny, f"a red fox no. {i}", seed=100 + i) for i in range(8)]
    handles = _submit_from_threads(engine, [(r, f"account-{i}") for i, r in enumerate(requests)])
    results = [handle.result(timeout=60) for handle in handles]

    stats = engine.stats()
    assert stats.pipeline_calls < 8
    assert stats.images == 8
    assert sum(size * count for size, count in stats.batches_by_size.items()) == 8
    assert stats.busy_seconds > 0
    assert [r.params.seed for r in results] == [100 + i for i in range(8)]
    assert len({r.image.tobytes() for r in results}) == 8
    for request, result in zip(requests, results, strict=True):
        [solo] = run_batch(tiny_loaded, [request])
        difference = np.abs(
            np.asarray(result.image, dtype=np.float64) - np.asarray(solo.image, dtype=np.float64)
        )
        assert difference.mean() < 2.0
    assert max(len(batch.requests) for batch in batches) > 1


def test_incompatible_requests_never_share_a_batch(make_engine: EngineFactory, tiny: Preset) -> None:
    engine, batches = make_engine(max_batch=8, max_wait_s=0.3)
    shapes = [(64, 1), (32, 1), (64, 2), (32, 2)] * 3
    jobs = [
        (build_request(tiny, "a", width=size, height=size, steps=steps, seed=i), f"o{i % 3}")
        for i, (size, steps) in enumerate(shapes)
    ]
    for handle in _submit_from_threads(engine, jobs):
        handle.result(timeout=60)
    assert engine.stats().pipeline_calls == len(batches) >= 4
    for batch in batches:
        assert len({compatibility_key(r) for r in batch.requests}) == 1
    assert sum(len(batch.requests) for batch in batches) == len(jobs)


def test_a_heavy_owner_cannot_starve_a_light_one(
    make_engine: EngineFactory, tiny: Preset, model_cache: Path
) -> None:
    gate = threading.Event()

    def gated_loader(preset: Preset) -> LoadedPipeline:
        # Hold the first batch in loading until B has submitted: "slightly later", every time.
        gate.wait(30)
        return load_pipeline(preset, cache_dir=str(model_cache), device=choose_device("cpu"))

    engine, batches = make_engine(max_batch=2, max_wait_s=0.05, loader=gated_loader)
    heavy = [engine.submit(build_request(tiny, "a", seed=i), owner="A") for i in range(10)]
    light = engine.submit(build_request(tiny, "b", seed=999), owner="B")
    gate.set()
    for handle in [*heavy, light]:
        handle.result(timeout=60)
    position = next(i for i, batch in enumerate(batches) if "B" in batch.owners)
    assert position <= 1, [batch.owners for batch in batches]
    assert len(batches) >= 5


def test_cancelled_queued_request_never_reaches_the_pipeline(
    make_engine: EngineFactory, tiny: Preset
) -> None:
    engine, batches = make_engine(max_batch=8, max_wait_s=30)
    handle = engine.submit(build_request(tiny, "a", seed=5), owner="A")
    finished: list[GenerationHandle] = []
    handle.add_done_callback(finished.append)
    assert handle.cancel()
    assert finished == [handle]
    handle.add_done_callback(finished.append)  # already done: called at once
    assert finished == [handle, handle]
    assert handle.done()
    assert handle.cancelled()
    assert not handle.cancel()
    with pytest.raises(Cancelled):
        handle.result(timeout=1)
    stats = engine.stats()
    assert (stats.pipeline_calls, stats.queued, stats.cancelled) == (0, 0, 1)
    assert batches == []


def test_progress_fires_per_step_for_every_request_and_cancel_mid_batch(
    make_engine: EngineFactory, tiny: Preset
) -> None:
    engine, batches = make_engine(max_batch=2, max_wait_s=1.0)
    seen: dict[str, list[Progress]] = {"keep": [], "drop": []}
    handles: dict[str, GenerationHandle] = {}

    def progress(name: str) -> Callable[[Progress], None]:
        def record(p: Progress) -> None:
            seen[name].append(p)
            if name == "drop":
                handles["drop"].cancel()  # its batch-mate keeps running

        return record

    for name, seed in [("keep", 1), ("drop", 2)]:
        request = build_request(tiny, name, seed=seed, steps=3)
        handles[name] = engine.submit(request, owner=name, on_progress=progress(name))
    kept = handles["keep"].result(timeout=60)
    with pytest.raises(Cancelled):
        handles["drop"].result(timeout=60)
    assert [(p.step, p.total) for p in seen["keep"]] == [(1, 3), (2, 3), (3, 3)]
    assert seen["keep"][-1].fraction == 1.0
    assert [(p.step, p.total) for p in seen["drop"]] == [(1, 3)]
    assert kept.params.seed == 1
    assert [len(batch.requests) for batch in batches] == [2]


def test_invalid_requests_are_refused_at_submit(make_engine: EngineFactory, tiny: Preset) -> None:
    engine, _ = make_engine()
    good = build_request(tiny, "a")
    with pytest.raises(InvalidRequest) as info:
        engine.submit(GenerationRequest("a", "sd-turbo", 512, 512, 1, 0.0, 1), owner="A")
    assert info.value.field == "preset"
    with pytest.raises(InvalidRequest, match="steps"):
        engine.submit(GenerationRequest("a", "tiny", 64, 64, 10_000, 0.0, good.seed), owner="A")


def test_load_failures_reach_the_waiting_caller(make_engine: EngineFactory) -> None:
    engine, _ = make_engine(presets=[PRESETS["sd-turbo"]], max_wait_s=0.0)
    handle = engine.submit(build_request(PRESETS["sd-turbo"], "a"), owner="A")
    with pytest.raises(LicenceNotAccepted):
        handle.result(timeout=30)
    assert engine.stats().failed == 1


def test_close_cancels_queued_requests(make_engine: EngineFactory, tiny: Preset) -> None:
    engine, _ = make_engine(max_wait_s=30)
    handle = engine.submit(build_request(tiny, "a"), owner="A")
    engine.close(timeout=10)
    with pytest.raises(Cancelled, match="shut down"):
        handle.result(timeout=1)
    with pytest.raises(Cancelled):
        engine.submit(build_request(tiny, "a"), owner="A")

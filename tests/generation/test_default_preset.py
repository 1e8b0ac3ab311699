"""The default preset (FLUX.2 [klein] 4B) through the real loading and calling code, offline.

A toy pipeline of the same classes (Flux2KleinPipeline, Flux2Transformer2DModel,
AutoencoderKLFlux2, Qwen3 text encoder, Qwen2 tokenizer) stands in for the 16 GB of weights; it
is loaded from a local copy and from a faked Hugging Face cache, exactly as the real ones are.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy
import pytest
from huggingface_hub.errors import GatedRepoError

from generation.device import choose_device
from generation.errors import ModelUnavailable
from generation.pipeline import load_pipeline
from generation.presets import DEFAULT_PRESET, PRESETS, SKIPPED_FILES, build_request
from generation.runner import run_batch
from generation.testing import build_tiny_flux2_klein
from generation.weights import download, local_copy_problem, weights_present

CPU = choose_device("cpu")
KLEIN = PRESETS[DEFAULT_PRESET]


@pytest.fixture(scope="module")
def klein_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_flux2_klein(tmp_path_factory.mktemp("klein") / "pipe")


def test_the_default_needs_no_licence_acceptance_and_says_how_to_fetch_it() -> None:
    assert KLEIN.hub_id == "black-forest-labs/FLUX.2-klein-4B"
    assert KLEIN.kind == "flux2-klein" and not KLEIN.requires_acceptance
    assert KLEIN.licence == "Apache License 2.0"
    assert (KLEIN.default_steps, KLEIN.default_width, KLEIN.size_multiple) == (4, 1024, 16)
    # Only the diffusers folders: the repository also holds a 7.75 GB single-file checkpoint.
    assert set(KLEIN.files) == {
        "model_index.json",
        *(f"{name}/*" for name in ("scheduler", "text_encoder", "tokenizer", "transformer", "vae")),
    }


def test_the_default_loads_through_its_pipeline_class_and_batches_with_own_seeds(klein_dir: Path) -> None:
    loaded = load_pipeline(KLEIN, model_path=str(klein_dir), device=CPU)
    assert type(loaded.pipe).__name__ == "Flux2KleinPipeline"
    assert loaded.model_id == KLEIN.hub_id and loaded.sampler == "FlowMatchEulerDiscreteScheduler"
    requests = [
        build_request(KLEIN, "a red fox in fresh snow, watercolor", width=256, height=256, steps=2, seed=seed)
        for seed in (1, 2)
    ]
    steps: list[int] = []
    first, second = run_batch(loaded, requests, on_step=lambda step, total: steps.append(step))
    assert steps == [1, 2]
    assert first.image.size == (256, 256) and first.params.model == KLEIN.hub_id
    assert first.image.tobytes() != second.image.tobytes()  # each request keeps its own seed
    # Alone, the first request makes the same image (up to float rounding across batch sizes).
    alone = numpy.asarray(run_batch(loaded, requests[:1])[0].image, dtype=numpy.float64)
    assert numpy.abs(alone - numpy.asarray(first.image, dtype=numpy.float64)).mean() < 2


def _fake_hub(klein_dir: Path, cache: Path) -> Any:
    """A stand-in for `snapshot_download` that lays the tiny copy out as the cache does."""
    calls: list[dict[str, Any]] = []

    def fetch(repo_id: str, **options: Any) -> str:
        calls.append({"repo_id": repo_id, **options})
        repo = cache / f"models--{repo_id.replace('/', '--')}"
        snapshot = repo / "snapshots" / ("0" * 40)
        if not snapshot.exists():
            shutil.copytree(klein_dir, snapshot)
            (repo / "refs").mkdir(parents=True, exist_ok=True)
            (repo / "refs" / options["revision"]).write_text("0" * 40)
        return str(snapshot)

    fetch.calls = calls  # type: ignore[attr-defined]
    return fetch


def test_download_fetches_only_the_diffusers_files_then_loads_from_the_cache(
    klein_dir: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "hub"
    assert not weights_present(KLEIN, cache_dir=str(cache))
    fetch = _fake_hub(klein_dir, cache)
    folder = download(KLEIN, cache_dir=str(cache), fetch=fetch)
    [call] = fetch.calls
    assert call["repo_id"] == KLEIN.hub_id and call["revision"] == "main"
    assert call["allow_patterns"] == list(KLEIN.files) and call["ignore_patterns"] == list(SKIPPED_FILES)
    assert weights_present(KLEIN, cache_dir=str(cache))
    loaded = load_pipeline(KLEIN, cache_dir=str(cache), device=CPU, local_files_only=True)
    assert type(loaded.pipe).__name__ == "Flux2KleinPipeline" and folder.is_dir()


def test_an_interrupted_copy_is_not_taken_for_complete_weights(klein_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(klein_dir, copy)
    assert local_copy_problem(copy) is None and weights_present(KLEIN, model_path=str(copy))
    shutil.rmtree(copy / "transformer")
    assert "lacks the 'transformer' component" in (local_copy_problem(copy) or "")
    assert not weights_present(KLEIN, model_path=str(copy))
    assert "no model_index.json" in (local_copy_problem(tmp_path / "empty") or "")


def test_a_gated_repository_says_what_to_do(tmp_path: Path) -> None:
    import httpx

    def gated(repo_id: str, **options: Any) -> str:
        response = httpx.Response(403, request=httpx.Request("GET", "https://huggingface.co"))
        raise GatedRepoError("gated", response=response)

    with pytest.raises(ModelUnavailable, match=r"accept its terms.*hf auth login"):
        download(PRESETS["flux-schnell"], cache_dir=str(tmp_path), fetch=gated)

"""Loading through the production path, and one batched pipeline call on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import diffusers
import numpy as np
import pytest
from PIL import Image

from generation.device import choose_device
from generation.errors import Cancelled, InvalidRequest, LicenceNotAccepted, ModelUnavailable
from generation.pipeline import LoadedPipeline, load_pipeline
from generation.presets import PRESETS, Preset, build_request, resolve_preset
from generation.runner import compatibility_key, run_batch
from generation.testing import build_tiny_pipeline
from generation.types import GenerationRequest

CPU = choose_device("cpu")


def _pixels(image: Image.Image) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.asarray(image, dtype=np.float64) / 255.0


@pytest.fixture
def from_pretrained_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Record every from_pretrained call while letting it run."""
    calls: list[tuple[str, dict[str, Any]]] = []
    original = diffusers.StableDiffusionPipeline.from_pretrained.__func__  # type: ignore[attr-defined]

    def spy(cls: type, source: str, /, **options: Any) -> Any:
        calls.append((source, options))
        return original(cls, source, **options)

    monkeypatch.setattr(diffusers.StableDiffusionPipeline, "from_pretrained", classmethod(spy))
    return calls


def test_tiny_loads_through_from_pretrained_and_generates(
    tiny: Preset, tmp_path: Path, from_pretrained_calls: list[tuple[str, dict[str, Any]]]
) -> None:
    stages: list[tuple[str, float]] = []
    loaded = load_pipeline(tiny, cache_dir=str(tmp_path), device=CPU, on_progress=lambda *s: stages.append(s))
    [(source, options)] = from_pretrained_calls
    assert (Path(source) / "model_index.json").is_file()
    assert options["local_files_only"] is True
    assert stages[0] == ("loading", 0.0)
    assert stages[-1] == ("ready", 1.0)
    assert loaded.model_id == "builtin:tiny"
    assert loaded.sampler == "EulerAncestralDiscreteScheduler"

    steps: list[tuple[int, int]] = []
    [result] = run_batch(
        loaded,
        [build_request(tiny, "a red fox", steps=2, seed=7)],
        on_step=lambda *s: steps.append(s),
    )
    assert result.image.size == (64, 64)
    assert result.image.mode == "RGB"
    assert steps == [(1, 2), (2, 2)]
    assert (result.params.seed, result.params.steps, result.params.model) == (7, 2, "builtin:tiny")
    assert result.params.versions["diffusers"] == diffusers.__version__


def test_tiny_build_is_deterministic_and_cached(tmp_path: Path, model_cache: Path) -> None:
    first = build_tiny_pipeline(tmp_path / "a")
    weights = sorted(p.relative_to(first) for p in first.rglob("*.safetensors"))
    assert weights
    assert build_tiny_pipeline(first) == first
    second = build_tiny_pipeline(tmp_path / "b")
    for name in weights:
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_local_model_dir_loads_as_a_custom_preset(tmp_path: Path) -> None:
    directory = build_tiny_pipeline(tmp_path / "house-model")
    preset = resolve_preset(str(directory), name="house")
    assert preset.kind == "sd"
    loaded = load_pipeline(preset, device=CPU, local_files_only=True)
    assert loaded.model_id == "house"  # never the server's path
    request = GenerationRequest("a red fox", "house", width=64, height=64, steps=1, guidance=0, seed=1)
    assert run_batch(loaded, [request])[0].image.size == (64, 64)


def _one_sentence(error: Exception) -> str:
    message = str(error)
    assert "\n" not in message
    assert "Traceback" not in message
    return message


def test_missing_local_path_is_model_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable) as info:
        load_pipeline(resolve_preset(str(tmp_path / "nothing-here")), device=CPU)
    assert "generation.model_path" in _one_sentence(info.value)


def test_uncached_hub_id_is_model_unavailable_with_instructions(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable) as info:
        load_pipeline(resolve_preset("nobody/no-such-model"), cache_dir=str(tmp_path), device=CPU)
    message = _one_sentence(info.value)
    assert "`hf download nobody/no-such-model`" in message
    assert str(tmp_path) in message
    assert "generation.model_path" in message


def test_licence_must_be_accepted_before_anything_loads(
    tmp_path: Path, from_pretrained_calls: list[tuple[str, dict[str, Any]]]
) -> None:
    with pytest.raises(LicenceNotAccepted) as info:
        load_pipeline(PRESETS["sd-turbo"], cache_dir=str(tmp_path), device=CPU)
    assert 'generation.accept_licences = ["sd-turbo"]' in _one_sentence(info.value)
    assert info.value.url.startswith("https://")
    assert from_pretrained_calls == []
    # Accepted, it gets as far as the (missing) weights.
    with pytest.raises(ModelUnavailable, match="hf download stabilityai/sd-turbo"):
        load_pipeline(
            PRESETS["sd-turbo"],
            cache_dir=str(tmp_path),
            device=CPU,
            accepted_licences={"sd-turbo"},
        )


def test_batched_images_equal_solo_images(tiny: Preset, tiny_loaded: LoadedPipeline) -> None:
    requests = [
        build_request(tiny, prompt, seed=seed, steps=2, negative_prompt=negative)
        for prompt, seed, negative in [
            ("a red fox", 1, ""),
            ("a lighthouse", 2, "fog"),
            ("a red fox", 3, ""),
            ("lower newer wider", 2**32 - 1, ""),
        ]
    ]
    batch = run_batch(tiny_loaded, requests)
    assert [image.params.seed for image in batch] == [1, 2, 3, 2**32 - 1]
    assert {image.batch_size for image in batch} == {4}
    for request, image in zip(requests, batch, strict=True):
        [solo] = run_batch(tiny_loaded, [request])
        assert np.abs(_pixels(image.image) - _pixels(solo.image)).mean() < 2 / 255
    # Different seeds, different images.
    assert np.abs(_pixels(batch[0].image) - _pixels(batch[2].image)).mean() > 10 / 255


def test_incompatible_requests_are_refused(tiny: Preset, tiny_loaded: LoadedPipeline) -> None:
    small = build_request(tiny, "a", width=32, height=32)
    large = build_request(tiny, "a", width=64, height=64)
    assert compatibility_key(small) != compatibility_key(large)
    with pytest.raises(ValueError, match="must share"):
        run_batch(tiny_loaded, [small, large])


def test_cancel_interrupts_the_call(tiny: Preset, tiny_loaded: LoadedPipeline) -> None:
    steps: list[int] = []
    with pytest.raises(Cancelled):
        run_batch(
            tiny_loaded,
            [build_request(tiny, "a", steps=3)],
            on_step=lambda step, total: steps.append(step),
            should_cancel=lambda: bool(steps),
        )
    assert steps == [1]


def _png(color: str) -> bytes:
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), color).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_edit_starts_from_the_given_image_by_its_strength(
    tiny: Preset, tiny_loaded: LoadedPipeline
) -> None:
    white, black = _png("white"), _png("black")
    light = build_request(tiny, "make it night", seed=4, steps=2, init_image=white, strength=0.3)
    dark = build_request(tiny, "make it night", seed=4, steps=2, init_image=black, strength=0.3)
    assert light.strength == 0.3 and compatibility_key(light) != compatibility_key(dark)
    [from_white] = run_batch(tiny_loaded, [light])
    [from_black] = run_batch(tiny_loaded, [dark])
    # The starting image shapes the result (random weights keep little of it, but not nothing),
    # and the same image, seed and strength give the same result again.
    assert np.abs(_pixels(from_white.image) - _pixels(from_black.image)).mean() > 0.5 / 255
    [drawn] = run_batch(tiny_loaded, [build_request(tiny, "make it night", seed=4, steps=2)])
    assert np.abs(_pixels(drawn.image) - _pixels(from_white.image)).mean() > 10 / 255  # not text to image
    [again] = run_batch(tiny_loaded, [light])
    assert np.abs(_pixels(again.image) - _pixels(from_white.image)).mean() < 1 / 255
    assert from_white.params.strength == 0.3
    assert from_white.params.to_dict()["strength"] == 0.3
    # One step at strength 0.3 would be no step at all: it is raised to one denoising step.
    [short] = run_batch(
        tiny_loaded, [build_request(tiny, "x", seed=4, steps=1, init_image=white, strength=0.3)]
    )
    assert short.image.size == (64, 64)
    default = build_request(tiny, "x", init_image=white)
    assert default.strength == tiny.default_strength
    with pytest.raises(InvalidRequest, match="strength"):
        build_request(tiny, "x", init_image=white, strength=1.5)

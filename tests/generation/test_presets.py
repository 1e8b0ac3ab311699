"""Presets, prompt normalisation and request validation (torch-free)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from generation.errors import InvalidRequest
from generation.presets import (
    DEFAULT_PRESET,
    PRESETS,
    TINY_SOURCE,
    build_request,
    get_preset,
    normalise_prompt,
    resolve_preset,
    validate_request,
)
from generation.types import GenerationRequest


def test_builtin_presets_and_licences() -> None:
    assert DEFAULT_PRESET == "flux2-klein-4b"
    assert set(PRESETS) == {"sd-turbo", "sdxl-turbo", "flux-schnell", "flux2-klein-4b", "sana-sprint", "tiny"}
    needs_acceptance = {name for name, p in PRESETS.items() if p.requires_acceptance}
    assert needs_acceptance == {"sd-turbo", "sdxl-turbo", "sana-sprint"}
    assert PRESETS["flux-schnell"].licence == "Apache License 2.0"
    assert PRESETS["flux-schnell"].max_sequence_length == 256
    assert PRESETS["sd-turbo"].timestep_spacing == "trailing"
    assert PRESETS["tiny"].hub_id == TINY_SOURCE
    for preset in PRESETS.values():
        low, high = preset.size_range
        assert low <= preset.default_width <= high
        assert preset.default_width % preset.size_multiple == 0
        assert preset.steps_range[0] <= preset.default_steps <= preset.steps_range[1]
        validate_request(build_request(preset, "a red fox"), preset)


def test_normalise_prompt_strips_invisible_and_control_characters() -> None:
    assert normalise_prompt("  \uff4e\u200bude \u202eart\x00\n\tnow  ") == "nude art now"
    assert normalise_prompt("caf\u0065\u0301") == "café"
    assert normalise_prompt("\u200b\u2060\ufeff") == ""


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": " \u200b\n "}, "prompt"),
        ({"prompt": "x" * 10_000}, "prompt"),
        ({"negative_prompt": "x" * 2001}, "negative_prompt"),
        ({"width": -64}, "width"),
        ({"height": 1 << 20}, "height"),
        ({"width": 60}, "width"),
        ({"width": 64.0}, "width"),
        ({"height": True}, "height"),
        ({"steps": 0}, "steps"),
        ({"steps": 10_000}, "steps"),
        ({"guidance": math.nan}, "guidance"),
        ({"guidance": math.inf}, "guidance"),
        ({"guidance": 21.0}, "guidance"),
        ({"guidance": -1}, "guidance"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**40}, "seed"),
        ({"preset": "sd-turbo"}, "preset"),
    ],
)
def test_validation_names_the_field(overrides: dict[str, object], field: str) -> None:
    preset = PRESETS["tiny"]
    request = replace(build_request(preset, "a red fox", seed=1), **overrides)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest) as info:
        validate_request(request, preset)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")


def test_validation_states_the_allowed_range() -> None:
    request = replace(build_request(PRESETS["tiny"], "a red fox"), steps=10_000)
    with pytest.raises(InvalidRequest, match=r"steps: must be from 1 to 10, got 10000"):
        validate_request(request, PRESETS["tiny"])


def test_prompt_limit_is_configurable() -> None:
    request = build_request(PRESETS["tiny"], "a" * 50)
    with pytest.raises(InvalidRequest, match="at most 20 characters"):
        validate_request(request, PRESETS["tiny"], max_prompt_chars=20)


def test_build_request_fills_defaults_and_draws_a_seed() -> None:
    preset = PRESETS["sd-turbo"]
    request = build_request(preset, "  a\u200b red  fox ")
    assert request == GenerationRequest(
        prompt="a red fox",
        preset="sd-turbo",
        width=512,
        height=512,
        steps=1,
        guidance=0.0,
        seed=request.seed,
    )
    assert 0 <= request.seed < 2**32


def test_unknown_preset_is_invalid() -> None:
    with pytest.raises(InvalidRequest) as info:
        get_preset("midjourney")
    assert info.value.field == "preset"
    assert "sd-turbo" in str(info.value)
    with pytest.raises(InvalidRequest):
        resolve_preset("no such thing")


def test_resolve_preset_reads_the_pipeline_class_of_a_local_dir(tmp_path: Path) -> None:
    (tmp_path / "model_index.json").write_text(
        json.dumps({"_class_name": "StableDiffusionXLPipeline"}), encoding="utf-8"
    )
    preset = resolve_preset(str(tmp_path), name="house-style")
    assert (preset.name, preset.kind, preset.hub_id) == ("house-style", "sdxl", str(tmp_path))
    assert (preset.default_width, preset.default_steps) == (1024, 30)
    assert not preset.requires_acceptance


def test_resolve_preset_by_name_hub_id_and_unknown_hub_id() -> None:
    assert resolve_preset("flux-schnell") is PRESETS["flux-schnell"]
    assert resolve_preset("stabilityai/sd-turbo") is PRESETS["sd-turbo"]
    custom = resolve_preset("someone/some-model")
    assert (custom.name, custom.hub_id, custom.kind) == (
        "someone/some-model",
        "someone/some-model",
        "auto",
    )
    missing = resolve_preset("/nonexistent/model")
    assert missing.hub_id == "/nonexistent/model"

"""Model presets and request validation. No torch here: the web process validates with it.

A preset names where the weights come from, which diffusers pipeline runs them, the defaults and
limits a request must respect, and the licence the operator has to accept. Operators may also
point at a local directory or a hub id (`resolve_preset`); requesters only ever pick a preset by
name (`get_preset`), never a path.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from generation.errors import InvalidRequest
from generation.types import GenerationRequest

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "SKIPPED_FILES",
    "TINY_SOURCE",
    "PipelineKind",
    "Preset",
    "build_request",
    "get_preset",
    "normalise_prompt",
    "resolve_preset",
    "validate_request",
]

PipelineKind = Literal["sd", "sdxl", "flux", "flux2-klein", "sana-sprint", "auto"]

# `hub_id` of the built-in tiny preset: pipeline.load_pipeline builds it instead of fetching it.
TINY_SOURCE = "builtin:tiny"
MAX_SEED = 2**32 - 1
_SAI_LICENCE = "Stability AI Non-Commercial Research Community License"
# Never fetched: other precisions and formats of the same weights (diffusers loads the
# full-precision safetensors and converts them to the device's dtype).
SKIPPED_FILES = ("*.fp16.*", "*.bin", "*.ckpt", "*.pt", "*.pth", "*.onnx", "*.onnx_data", "*.msgpack", "*.h5")


def _folders(*names: str) -> tuple[str, ...]:
    """Hub allow-patterns for a diffusers layout: the index and these component folders."""
    return ("model_index.json", *(f"{name}/*" for name in names))


@dataclass(frozen=True)
class Preset:
    """A model and how to run it; ranges are inclusive, sizes are multiples of `size_multiple`."""

    name: str
    hub_id: str
    kind: PipelineKind
    default_steps: int
    default_guidance: float
    default_width: int
    default_height: int
    steps_range: tuple[int, int]
    size_range: tuple[int, int]
    size_multiple: int
    max_batch: int
    licence: str
    licence_url: str
    requires_acceptance: bool
    # GPU memory with every component on the GPU, and (0: not known) with diffusers' model CPU
    # offload, which keeps only the component in use there.
    vram_gb: float
    description: str
    guidance_range: tuple[float, float] = (0.0, 20.0)
    supports_negative_prompt: bool = True
    # Scheduler class (diffusers name) swapped in at load, and its timestep spacing.
    scheduler: str | None = None
    timestep_spacing: str | None = None
    max_sequence_length: int | None = None
    # Hub revision (branch, tag or commit) the weights come from.
    revision: str = "main"
    # What to fetch from the hub: the diffusers folders only, never the single-file checkpoints
    # or the other precisions that many repositories also carry. Empty: the whole repository.
    files: tuple[str, ...] = ()
    # Download size of `files`, in GB, and the compute one default image costs (denoiser steps,
    # text encoder and VAE decode), in TFLOP: counted by `python -m bench.presets`.
    download_gb: float = 0.0
    tflop_per_image: float = 0.0
    offload_vram_gb: float = 0.0
    # Image to image (conversational edits) through diffusers' matching pipeline, and how much
    # of the starting image an edit changes unless asked otherwise.
    supports_edits: bool = True
    default_strength: float = 0.6


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            name="sd-turbo",
            hub_id="stabilityai/sd-turbo",
            kind="sd",
            default_steps=1,
            default_guidance=0.0,
            default_width=512,
            default_height=512,
            steps_range=(1, 8),
            size_range=(256, 1024),
            size_multiple=8,
            max_batch=8,
            licence=_SAI_LICENCE,
            licence_url="https://huggingface.co/stabilityai/sd-turbo/blob/main/LICENSE.md",
            requires_acceptance=True,
            vram_gb=4.0,
            description="SD 2.1 distilled to 1-4 steps; runs on 6 GB GPUs and, slowly, on CPU.",
            scheduler="EulerAncestralDiscreteScheduler",
            timestep_spacing="trailing",
            files=_folders("scheduler", "text_encoder", "tokenizer", "unet", "vae"),
            download_gb=5.2,
            tflop_per_image=3.36,
        ),
        Preset(
            name="sdxl-turbo",
            hub_id="stabilityai/sdxl-turbo",
            kind="sdxl",
            default_steps=1,
            default_guidance=0.0,
            default_width=512,
            default_height=512,
            steps_range=(1, 8),
            size_range=(256, 1024),
            size_multiple=8,
            max_batch=4,
            licence=_SAI_LICENCE,
            licence_url="https://huggingface.co/stabilityai/sdxl-turbo/blob/main/LICENSE.md",
            requires_acceptance=True,
            vram_gb=8.0,
            description="SDXL distilled to 1-4 steps; better composition than sd-turbo.",
            scheduler="EulerAncestralDiscreteScheduler",
            timestep_spacing="trailing",
            files=_folders(
                "scheduler", "text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2", "unet", "vae"
            ),
            download_gb=13.9,
            tflop_per_image=4.20,
        ),
        Preset(
            name="flux-schnell",
            hub_id="black-forest-labs/FLUX.1-schnell",
            kind="flux",
            default_steps=4,
            default_guidance=0.0,
            default_width=1024,
            default_height=1024,
            steps_range=(1, 8),
            size_range=(256, 1536),
            size_multiple=16,
            max_batch=2,
            licence="Apache License 2.0",
            licence_url="https://www.apache.org/licenses/LICENSE-2.0",
            requires_acceptance=False,
            vram_gb=34.0,
            description=(
                "Best quality and text rendering of the fast models; about 34 GB in bf16, "
                "24 GB with CPU offload."
            ),
            supports_negative_prompt=False,
            max_sequence_length=256,
            files=_folders(
                "scheduler",
                "text_encoder",
                "text_encoder_2",
                "tokenizer",
                "tokenizer_2",
                "transformer",
                "vae",
            ),
            download_gb=33.7,
            tflop_per_image=290.7,
            offload_vram_gb=24.0,
        ),
        Preset(
            name="flux2-klein-4b",
            hub_id="black-forest-labs/FLUX.2-klein-4B",
            kind="flux2-klein",
            default_steps=4,
            default_guidance=1.0,
            default_width=1024,
            default_height=1024,
            steps_range=(1, 8),
            size_range=(256, 2048),
            size_multiple=16,
            max_batch=2,
            licence="Apache License 2.0",
            licence_url="https://huggingface.co/black-forest-labs/FLUX.2-klein-4B",
            requires_acceptance=False,
            # bf16 weights: transformer 7.75 GB + text encoder 8.05 GB, plus activations.
            vram_gb=18.0,
            offload_vram_gb=13.0,
            description=(
                "FLUX.2 [klein] 4B, step-distilled to 4 steps with a Qwen3-4B text encoder; "
                "18 GB of GPU memory, 13 GB with CPU offload."
            ),
            # Step-distilled: the pipeline ignores guidance above 1 (and says so in the log).
            guidance_range=(0.0, 1.0),
            supports_negative_prompt=False,
            files=_folders("scheduler", "text_encoder", "tokenizer", "transformer", "vae"),
            download_gb=16.0,
            tflop_per_image=153.6,
        ),
        Preset(
            name="sana-sprint",
            hub_id="Efficient-Large-Model/Sana_Sprint_1.6B_1024px_diffusers",
            kind="sana-sprint",
            default_steps=2,
            default_guidance=4.5,
            default_width=1024,
            default_height=1024,
            steps_range=(1, 4),
            size_range=(512, 2048),
            size_multiple=32,
            max_batch=4,
            licence="NVIDIA licence of the SANA-Sprint weights plus the Gemma Terms of Use",
            licence_url="https://huggingface.co/Efficient-Large-Model/Sana_Sprint_1.6B_1024px_diffusers",
            requires_acceptance=True,
            vram_gb=10.0,
            description="The fastest 1024px preset (1-4 steps); Gemma-2 text encoder.",
            supports_negative_prompt=False,
            files=_folders("scheduler", "text_encoder", "tokenizer", "transformer", "vae"),
            download_gb=9.7,
        ),
        Preset(
            name="tiny",
            hub_id=TINY_SOURCE,
            kind="sd",
            default_steps=1,
            default_guidance=0.0,
            default_width=64,
            default_height=64,
            steps_range=(1, 10),
            size_range=(32, 256),
            size_multiple=8,
            max_batch=8,
            licence="none (random weights built in code)",
            licence_url="",
            requires_acceptance=False,
            vram_gb=0.0,
            description="Random SD-architecture pipeline built offline, for tests and demos.",
        ),
    )
}
DEFAULT_PRESET = "flux2-klein-4b"

# Defaults for operator-supplied models, by pipeline class in model_index.json.
_CLASS_KINDS: dict[str, PipelineKind] = {
    "StableDiffusionPipeline": "sd",
    "StableDiffusionXLPipeline": "sdxl",
    "FluxPipeline": "flux",
    "Flux2KleinPipeline": "flux2-klein",
    "SanaSprintPipeline": "sana-sprint",
}
_CUSTOM_BASE: dict[PipelineKind, Preset] = {
    "sd": replace(
        PRESETS["sd-turbo"],
        default_steps=25,
        default_guidance=7.0,
        steps_range=(1, 100),
        scheduler=None,
        timestep_spacing=None,
    ),
    "sdxl": replace(
        PRESETS["sdxl-turbo"],
        default_steps=30,
        default_guidance=5.0,
        default_width=1024,
        default_height=1024,
        size_range=(512, 1536),
        steps_range=(1, 100),
        scheduler=None,
        timestep_spacing=None,
    ),
    "flux": replace(PRESETS["flux-schnell"], default_steps=28, default_guidance=3.5, steps_range=(1, 100)),
    "flux2-klein": PRESETS["flux2-klein-4b"],
    "sana-sprint": PRESETS["sana-sprint"],
}
_CUSTOM_BASE["auto"] = replace(_CUSTOM_BASE["sd"], kind="auto")
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


def get_preset(name: str) -> Preset:
    """The built-in preset called `name`; what requesters may choose from."""
    try:
        return PRESETS[name]
    except KeyError:
        raise _unknown_preset(name) from None


def _unknown_preset(name: str) -> InvalidRequest:
    choices = ", ".join(sorted(PRESETS))
    return InvalidRequest("preset", f"unknown preset {name[:64]!r}; choose one of {choices}")


def resolve_preset(name_or_path: str, *, name: str | None = None, cache_dir: str | None = None) -> Preset:
    """A built-in preset by name, or a custom one for a local directory or a hub id (`org/name`).

    For operator configuration only. A custom preset takes its pipeline class from
    model_index.json (read from the directory, or from the Hugging Face cache for a hub id) and
    conservative defaults for that class; missing weights surface later, at load, as
    `ModelUnavailable`. `name` renames a custom preset (default: `name_or_path`).
    """
    if name_or_path in PRESETS:
        return PRESETS[name_or_path]
    for preset in PRESETS.values():
        if preset.hub_id == name_or_path:
            return preset
    path = Path(name_or_path).expanduser()
    index: Path | None
    if path.is_dir() or path.is_absolute() or name_or_path.startswith((".", "~")):
        index, source = path / "model_index.json", str(path)
    elif _HUB_ID.fullmatch(name_or_path):
        index, source = _cached_model_index(name_or_path, cache_dir), name_or_path
    else:
        raise _unknown_preset(name_or_path)
    kind = _kind_from_index(index)
    return replace(
        _CUSTOM_BASE[kind],
        name=name or name_or_path,
        hub_id=source,
        kind=kind,
        licence="the model's own licence (not checked by fedi)",
        licence_url=f"https://huggingface.co/{source}" if source == name_or_path else "",
        requires_acceptance=False,
        description=f"Custom {kind} model from {source}.",
        revision="main",
        files=(),
        download_gb=0.0,
        tflop_per_image=0.0,
    )


def _cached_model_index(hub_id: str, cache_dir: str | None) -> Path | None:
    from huggingface_hub import try_to_load_from_cache  # no torch; only needed here

    found = try_to_load_from_cache(hub_id, "model_index.json", cache_dir=cache_dir)
    return Path(found) if isinstance(found, str) else None


def _kind_from_index(index: Path | None) -> PipelineKind:
    try:
        data = json.loads(index.read_text(encoding="utf-8")) if index else {}
    except (OSError, ValueError):
        data = {}
    class_name = data.get("_class_name") if isinstance(data, dict) else None
    return _CLASS_KINDS.get(class_name, "auto") if isinstance(class_name, str) else "auto"


def normalise_prompt(text: str) -> str:
    """NFKC, drop invisible and control characters, collapse whitespace.

    Zero-width and bidi characters are how blocklists get dodged ("n\u200bude"), so they go
    before any policy check; line breaks and tabs become spaces.
    """
    text = unicodedata.normalize("NFKC", text)
    kept = (
        " " if char.isspace() else char
        for char in text
        if char.isspace() or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    return " ".join("".join(kept).split())


def build_request(
    preset: Preset,
    prompt: str,
    *,
    negative_prompt: str = "",
    width: int | None = None,
    height: int | None = None,
    steps: int | None = None,
    guidance: float | None = None,
    seed: int | None = None,
    init_image: bytes | None = None,
    strength: float | None = None,
    max_prompt_chars: int = 2000,
) -> GenerationRequest:
    """A validated request with the preset's defaults for what is not given.

    Prompts are normalised; a missing seed is drawn at random (and then recorded). With
    `init_image` it is an edit of that image, by `strength` (default: the preset's).
    """
    request = GenerationRequest(
        prompt=normalise_prompt(prompt),
        negative_prompt=normalise_prompt(negative_prompt),
        preset=preset.name,
        width=preset.default_width if width is None else width,
        height=preset.default_height if height is None else height,
        steps=preset.default_steps if steps is None else steps,
        guidance=preset.default_guidance if guidance is None else guidance,
        seed=secrets.randbelow(MAX_SEED + 1) if seed is None else seed,
        init_image=init_image,
        strength=(preset.default_strength if strength is None else strength)
        if init_image is not None
        else None,
    )
    validate_request(request, preset, max_prompt_chars=max_prompt_chars)
    return request


def validate_request(request: GenerationRequest, preset: Preset, *, max_prompt_chars: int = 2000) -> None:
    """Raise `InvalidRequest` naming the first field that `preset` cannot run."""
    if request.preset != preset.name:
        raise InvalidRequest("preset", f"the request names {request.preset[:64]!r}, not {preset.name!r}")
    _check_prompt("prompt", request.prompt, max_prompt_chars, required=True)
    _check_prompt("negative_prompt", request.negative_prompt, max_prompt_chars, required=False)
    low, high = preset.size_range
    for field_name in ("width", "height"):
        _check_int(field_name, getattr(request, field_name), low, high)
        if getattr(request, field_name) % preset.size_multiple:
            raise InvalidRequest(
                field_name, f"must be a multiple of {preset.size_multiple} for {preset.name}"
            )
    _check_int("steps", request.steps, *preset.steps_range)
    _check_guidance(request.guidance, *preset.guidance_range)
    _check_int("seed", request.seed, 0, MAX_SEED)
    if request.init_image is not None or request.strength is not None:
        _check_edit(request, preset)


def _check_edit(request: GenerationRequest, preset: Preset) -> None:
    if not preset.supports_edits:
        raise InvalidRequest("strength", f"{preset.name} cannot edit images")
    if not request.init_image:
        raise InvalidRequest("init_image", "an edit needs the image to start from")
    strength = request.strength
    if not isinstance(strength, int | float) or isinstance(strength, bool) or not math.isfinite(strength):
        raise InvalidRequest("strength", "must be a number from 0.05 to 1")
    if not 0.05 <= strength <= 1.0:
        raise InvalidRequest("strength", f"must be from 0.05 to 1, got {strength:g}")


def _check_prompt(field_name: str, value: object, limit: int, *, required: bool) -> None:
    if not isinstance(value, str):
        raise InvalidRequest(field_name, "must be text")
    if required and not normalise_prompt(value):
        raise InvalidRequest(field_name, "must not be empty")
    if len(value) > limit:
        raise InvalidRequest(field_name, f"must be at most {limit} characters, got {len(value)}")


def _check_int(field_name: str, value: object, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidRequest(field_name, f"must be a whole number from {low} to {high}")
    if not low <= value <= high:
        raise InvalidRequest(field_name, f"must be from {low} to {high}, got {value}")


def _check_guidance(value: object, low: float, high: float) -> None:
    allowed = f"must be a number from {low:g} to {high:g}"
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise InvalidRequest("guidance", allowed)
    if not low <= value <= high:
        raise InvalidRequest("guidance", f"{allowed}, got {value:g}")

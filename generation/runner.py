"""One pipeline call for a batch of compatible requests.

Each request keeps its own seed (a CPU `torch.Generator` per request, which diffusers uses per
sample), prompt and negative prompt, so its image does not depend on what it was batched with.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import torch

from generation.errors import Cancelled, OutOfMemory
from generation.pipeline import LoadedPipeline, release
from generation.types import GeneratedImage, GenerationParams, GenerationRequest

__all__ = ["CompatibilityKey", "compatibility_key", "run_batch"]

CompatibilityKey = tuple[str, int, int, int, float, tuple[str, float] | None]


def compatibility_key(request: GenerationRequest) -> CompatibilityKey:
    """What requests must share to run in one pipeline call (an edit: also its starting image
    and strength, so edits of different images never share a call)."""
    edit = None
    if request.init_image is not None:
        edit = (hashlib.sha256(request.init_image).hexdigest(), float(request.strength or 0.0))
    return (request.preset, request.width, request.height, request.steps, request.guidance, edit)


def run_batch(
    loaded: LoadedPipeline,
    requests: Sequence[GenerationRequest],
    *,
    on_step: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> list[GeneratedImage]:
    """Generate one image per request, in order, with a single pipeline call.

    `on_step(step, total)` fires after each denoising step; `should_cancel` is polled before the
    call and after each step, and a True answer raises `Cancelled` (the VAE decode is skipped).
    A device out-of-memory error becomes `OutOfMemory`.
    """
    if not requests:
        return []
    first = requests[0]
    if first.preset != loaded.preset.name or any(
        compatibility_key(request) != compatibility_key(first) for request in requests
    ):
        raise ValueError("a batch must share the loaded preset, size, steps and guidance")
    if should_cancel is not None and should_cancel():
        raise Cancelled()

    def step_end(pipe: Any, step: int, timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
        if on_step is not None:
            on_step(step + 1, first.steps)
        if should_cancel is not None and should_cancel():
            raise Cancelled()
        return tensors

    negative = [_negative_prompt(loaded, request) for request in requests]
    started = time.perf_counter()
    try:
        with torch.inference_mode():
            edited_with_strength = False
            if first.init_image is not None:
                edit = loaded.image_to_image()
                edited_with_strength = takes_strength(edit)
                images = edit(**_edit_arguments(edit, loaded, requests, negative, step_end)).images
            else:
                images = loaded.pipe(**_call_arguments(loaded, requests, negative, step_end)).images
    except torch.cuda.OutOfMemoryError as exc:
        release(loaded.device)
        raise OutOfMemory(
            device=loaded.device.device,
            batch_size=len(requests),
            width=first.width,
            height=first.height,
        ) from exc
    seconds = time.perf_counter() - started
    return [
        GeneratedImage(
            image=image,
            params=_params(loaded, request, negative_prompt, edited_with_strength),
            seconds=seconds,
            batch_size=len(requests),
        )
        for image, request, negative_prompt in zip(images, requests, negative, strict=True)
    ]


def _call_arguments(
    loaded: LoadedPipeline,
    requests: Sequence[GenerationRequest],
    negative: list[str],
    step_end: Callable[..., dict[str, Any]],
) -> dict[str, Any]:
    first = requests[0]
    arguments: dict[str, Any] = {
        "prompt": [request.prompt for request in requests],
        "num_inference_steps": first.steps,
        "guidance_scale": first.guidance,
        "width": first.width,
        "height": first.height,
        # CPU generators: the same seed gives the same image on any device.
        "generator": [torch.Generator("cpu").manual_seed(request.seed) for request in requests],
        "callback_on_step_end": step_end,
        "output_type": "pil",
    }
    if any(negative):
        arguments["negative_prompt"] = negative
    if loaded.preset.max_sequence_length is not None:
        arguments["max_sequence_length"] = loaded.preset.max_sequence_length
    return arguments


def _edit_arguments(
    edit: Any,
    loaded: LoadedPipeline,
    requests: Sequence[GenerationRequest],
    negative: list[str],
    step_end: Callable[..., dict[str, Any]],
) -> dict[str, Any]:
    """Image to image: the text-to-image arguments plus the starting image at the requested
    size. Pipelines that take a strength (SD, SDXL, FLUX.1) get it instead of a size, and run
    steps x strength denoising steps, so the step count is raised until that is at least one;
    instruction editors (FLUX.2 [klein]) take the image as a reference and keep the size."""
    from PIL import Image

    first = requests[0]
    arguments = _call_arguments(loaded, requests, negative, step_end)
    start = Image.open(io.BytesIO(first.init_image or b"")).convert("RGB").resize((first.width, first.height))
    arguments["image"] = [start] * len(requests)
    if takes_strength(edit):
        strength = float(first.strength or 0.0)
        for name in ("width", "height"):
            arguments.pop(name)
        arguments["strength"] = strength
        arguments["num_inference_steps"] = max(first.steps, math.ceil(1 / strength))
    return arguments


def takes_strength(pipe: Any) -> bool:
    return "strength" in inspect.signature(pipe.__call__).parameters


def _negative_prompt(loaded: LoadedPipeline, request: GenerationRequest) -> str:
    return request.negative_prompt if loaded.preset.supports_negative_prompt else ""


def _params(
    loaded: LoadedPipeline, request: GenerationRequest, negative: str, edited_with_strength: bool
) -> GenerationParams:
    return GenerationParams(
        model=loaded.model_id,
        preset=request.preset,
        prompt=request.prompt,
        negative_prompt=negative,
        seed=request.seed,
        steps=request.steps,
        guidance=request.guidance,
        width=request.width,
        height=request.height,
        sampler=loaded.sampler,
        versions=loaded.versions,
        strength=request.strength if request.init_image is not None and edited_with_strength else None,
    )

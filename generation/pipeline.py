"""Loading a preset's weights into a ready diffusers pipeline: the only `from_pretrained` call.

Order of events: licence check (before any file is touched), weights from a local directory or
the Hugging Face cache/hub, scheduler swap, device placement or CPU offload, CUDA fast paths
(channels_last; SDPA is diffusers' default attention), optional `torch.compile` with a warm-up
call so that compile time is paid at load, not by the first requester.
"""

from __future__ import annotations

import gc
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import diffusers
import torch
from huggingface_hub import constants as hub_constants
from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

from generation.device import DeviceChoice, choose_device
from generation.errors import LicenceNotAccepted, ModelUnavailable
from generation.presets import TINY_SOURCE, PipelineKind, Preset
from generation.quiet import quiet_progress_bars

__all__ = [
    "LoadedPipeline",
    "library_versions",
    "load_pipeline",
    "prepare_pipeline",
    "release",
]

ProgressCallback = Callable[[str, float], None]

_PIPELINE_CLASSES: dict[PipelineKind, str] = {
    "sd": "StableDiffusionPipeline",
    "sdxl": "StableDiffusionXLPipeline",
    "flux": "FluxPipeline",
    "flux2-klein": "Flux2KleinPipeline",
    "sana-sprint": "SanaSprintPipeline",
    # The class named in model_index.json. (AutoPipelineForText2Image would do the same but
    # trips a deprecation warning in huggingface_hub 1.x.)
    "auto": "DiffusionPipeline",
}


@dataclass
class LoadedPipeline:
    """A pipeline on its device, with what provenance needs to know about it."""

    pipe: Any
    preset: Preset
    device: DeviceChoice
    model_id: str
    load_seconds: float
    versions: dict[str, str] = field(default_factory=lambda: library_versions())

    # The image-to-image pipeline on the same components, made on the first edit.
    _edit_pipe: Any = field(default=None, repr=False)

    @property
    def sampler(self) -> str:
        return type(self.pipe.scheduler).__name__

    def image_to_image(self) -> Any:
        """Diffusers' image-to-image pipeline for this model, sharing the loaded weights."""
        if self._edit_pipe is None:
            from diffusers import AutoPipelineForImage2Image

            self._edit_pipe = AutoPipelineForImage2Image.from_pipe(self.pipe)
        return self._edit_pipe


def library_versions() -> dict[str, str]:
    """Versions of the packages that shape the output, for the provenance record."""
    found = {}
    for package in ("torch", "diffusers", "transformers"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found


def load_pipeline(
    preset: Preset,
    *,
    model_path: str | None = None,
    cache_dir: str | None = None,
    device: DeviceChoice | None = None,
    local_files_only: bool = False,
    accepted_licences: Collection[str] = (),
    on_progress: ProgressCallback | None = None,
    compile: bool = False,
    cpu_offload: bool = False,
) -> LoadedPipeline:
    """Load `preset` (or `model_path`, a local copy of its weights) ready to generate.

    Raises `LicenceNotAccepted` before touching any file when the preset's licence is not in
    `accepted_licences` (preset names), and `ModelUnavailable` when the weights are missing.
    """
    if preset.requires_acceptance and preset.name not in accepted_licences:
        raise LicenceNotAccepted(preset.name, preset.licence, preset.licence_url)
    report = on_progress or _ignore_progress
    started = time.perf_counter()
    device = device or choose_device()
    source = model_path or preset.hub_id
    report("loading", 0.0)
    if source == TINY_SOURCE:
        from generation.testing import build_tiny_pipeline

        source, local_files_only = str(build_tiny_pipeline(_tiny_dir(cache_dir))), True
    pipe = _from_pretrained(preset, source, cache_dir, device, local_files_only)
    prepare_pipeline(pipe, preset, device, compile=compile, cpu_offload=cpu_offload, on_progress=report)
    return LoadedPipeline(
        pipe=pipe,
        preset=preset,
        device=device,
        model_id=_model_id(preset),
        load_seconds=time.perf_counter() - started,
    )


def _from_pretrained(
    preset: Preset, source: str, cache_dir: str | None, device: DeviceChoice, local_only: bool
) -> Any:
    local = Path(source).expanduser()
    is_local = local.is_absolute() or source.startswith((".", "~")) or local.is_dir()
    if is_local and not (local / "model_index.json").is_file():
        raise ModelUnavailable(
            f"weights for preset {preset.name!r} are not at {local} (no model_index.json there); "
            "set generation.model_path to a directory written by `save_pretrained` or by "
            f"`hf download <hub id> --local-dir {local}`",
            preset=preset.name,
            source=source,
        )
    options: dict[str, Any] = {"dtype": device.torch_dtype, "local_files_only": local_only}
    if not is_local:
        options.update(cache_dir=cache_dir, revision=preset.revision)
    if preset.kind == "sd":
        # Image safety is the application's ImageCheck; SD's checker would blacken images.
        options.update(safety_checker=None, requires_safety_checker=False)
    pipeline_class = getattr(diffusers, _PIPELINE_CLASSES[preset.kind])
    quiet_progress_bars()
    try:
        return pipeline_class.from_pretrained(str(local) if is_local else source, **options)
    except GatedRepoError as exc:
        raise ModelUnavailable(
            f"{source} is gated on the Hugging Face hub: accept its terms on "
            f"https://huggingface.co/{source} and log in with `hf auth login`, or set "
            "generation.model_path to a local copy",
            preset=preset.name,
            source=source,
        ) from exc
    except RepositoryNotFoundError as exc:
        raise ModelUnavailable(
            f"the Hugging Face hub has no repository {source!r}; check the preset's hub id",
            preset=preset.name,
            source=source,
        ) from exc
    except OSError as exc:  # LocalEntryNotFoundError and diffusers' "not cached" both land here
        where = local if is_local else Path(cache_dir or hub_constants.HF_HUB_CACHE)
        raise ModelUnavailable(
            f"weights for preset {preset.name!r} ({source}) are not in the Hugging Face cache at "
            f"{where} and the hub cannot be reached; run `hf download {source}` on a machine "
            "with internet access and copy the cache here, or set generation.model_path to a "
            "local copy",
            preset=preset.name,
            source=source,
        ) from exc


def prepare_pipeline(
    pipe: Any,
    preset: Preset,
    device: DeviceChoice,
    *,
    compile: bool = False,
    cpu_offload: bool = False,
    on_progress: ProgressCallback | None = None,
) -> None:
    """Scheduler, placement and fast paths; also used by the benchmark on in-memory pipelines."""
    report = on_progress or _ignore_progress
    pipe.set_progress_bar_config(disable=True)
    if preset.scheduler is not None:
        scheduler_class = getattr(diffusers, preset.scheduler)
        overrides = {"timestep_spacing": preset.timestep_spacing} if preset.timestep_spacing else {}
        pipe.scheduler = scheduler_class.from_config(pipe.scheduler.config, **overrides)
    if cpu_offload and device.device != "cpu":
        report("offloading", 0.6)
        pipe.enable_model_cpu_offload(device=device.device)
    else:
        report(f"moving to {device.device}", 0.6)
        pipe.to(device.device)
    if device.is_cuda:
        for name in ("unet", "vae"):
            module = getattr(pipe, name, None)
            if module is not None:
                module.to(memory_format=torch.channels_last)
    if compile:
        report("compiling", 0.8)
        _compile(pipe, preset)
    report("ready", 1.0)


def _compile(pipe: Any, preset: Preset) -> None:
    for name in ("unet", "transformer"):
        module = getattr(pipe, name, None)
        if module is not None:
            # Default mode: max-autotune's GEMM search costs minutes of cold start.
            setattr(pipe, name, torch.compile(module))
    # Compilation happens on the first call: make it here, at batch size 1, default size.
    extra = {}
    if preset.max_sequence_length is not None:
        extra["max_sequence_length"] = preset.max_sequence_length
    pipe(
        "warm-up",
        num_inference_steps=preset.default_steps,
        guidance_scale=preset.default_guidance,
        width=preset.default_width,
        height=preset.default_height,
        **extra,
    )


def release(device: DeviceChoice) -> None:
    """Return freed memory to the device after a pipeline has been dropped."""
    gc.collect()
    if device.is_cuda:
        torch.cuda.empty_cache()


def _model_id(preset: Preset) -> str:
    # A local path would leak the server's layout into every image's metadata.
    if preset.hub_id.startswith(("/", ".", "~")):
        return preset.name if preset.name != preset.hub_id else Path(preset.hub_id).name
    return preset.hub_id


def _tiny_dir(cache_dir: str | None) -> Path:
    root = Path(cache_dir) if cache_dir else Path(tempfile.gettempdir()) / "fedi-generation"
    return root / f"tiny-sd-diffusers-{diffusers.__version__}"


def _ignore_progress(stage: str, fraction: float) -> None:
    return None

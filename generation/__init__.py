"""Diffusion side of fedi: presets, pipelines, batching, provenance.

Names resolve lazily (PEP 562): `import generation` and the torch-free modules (errors, types,
presets, policy, provenance, batcher) never import torch, so the web process can validate
requests and read provenance. The device, pipeline, runner, engine and testing names import
torch on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generation.batcher import DynamicBatcher
    from generation.device import DeviceChoice, choose_device
    from generation.engine import BatchRecord, EngineStats, GenerationEngine, GenerationHandle
    from generation.errors import (
        Cancelled,
        DeviceUnavailable,
        GenerationError,
        InvalidRequest,
        LicenceNotAccepted,
        ModelUnavailable,
        OutOfMemory,
        PromptRefused,
    )
    from generation.pipeline import LoadedPipeline, load_pipeline
    from generation.policy import (
        ImageCheck,
        ImageVerdict,
        PromptPolicy,
        combine_checks,
        no_image_check,
    )
    from generation.presets import (
        DEFAULT_PRESET,
        PRESETS,
        Preset,
        build_request,
        get_preset,
        normalise_prompt,
        resolve_preset,
        validate_request,
    )
    from generation.provenance import encode_png, encode_webp, read_params, xmp_packet
    from generation.runner import compatibility_key, run_batch
    from generation.testing import build_tiny_pipeline
    from generation.types import GeneratedImage, GenerationParams, GenerationRequest, Progress

_MODULES = {
    "batcher": ["DynamicBatcher"],
    "device": ["DeviceChoice", "choose_device"],
    "engine": ["BatchRecord", "EngineStats", "GenerationEngine", "GenerationHandle"],
    "errors": [
        "Cancelled",
        "DeviceUnavailable",
        "GenerationError",
        "InvalidRequest",
        "LicenceNotAccepted",
        "ModelUnavailable",
        "OutOfMemory",
        "PromptRefused",
    ],
    "pipeline": ["LoadedPipeline", "load_pipeline"],
    "policy": ["ImageCheck", "ImageVerdict", "PromptPolicy", "combine_checks", "no_image_check"],
    "presets": [
        "DEFAULT_PRESET",
        "PRESETS",
        "Preset",
        "build_request",
        "get_preset",
        "normalise_prompt",
        "resolve_preset",
        "validate_request",
    ],
    "provenance": ["encode_png", "encode_webp", "read_params", "xmp_packet"],
    "runner": ["compatibility_key", "run_batch"],
    "testing": ["build_tiny_pipeline"],
    "types": ["GeneratedImage", "GenerationParams", "GenerationRequest", "Progress"],
}
_SOURCE = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "BatchRecord",
    "Cancelled",
    "DeviceChoice",
    "DeviceUnavailable",
    "DynamicBatcher",
    "EngineStats",
    "GeneratedImage",
    "GenerationEngine",
    "GenerationError",
    "GenerationHandle",
    "GenerationParams",
    "GenerationRequest",
    "ImageCheck",
    "ImageVerdict",
    "InvalidRequest",
    "LicenceNotAccepted",
    "LoadedPipeline",
    "ModelUnavailable",
    "OutOfMemory",
    "Preset",
    "Progress",
    "PromptPolicy",
    "PromptRefused",
    "build_request",
    "build_tiny_pipeline",
    "choose_device",
    "combine_checks",
    "compatibility_key",
    "encode_png",
    "encode_webp",
    "get_preset",
    "load_pipeline",
    "no_image_check",
    "normalise_prompt",
    "read_params",
    "resolve_preset",
    "run_batch",
    "validate_request",
    "xmp_packet",
]


def __getattr__(name: str) -> Any:
    module = _SOURCE.get(name)
    if module is None:
        raise AttributeError(f"module 'generation' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"generation.{module}"), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

"""The GPU side's one GenerationEngine, owned by the runtime and built on first use.

The composition root gives each runtime a `GpuEngine` (or one handed in: tests share one across
runtimes so the tiny model loads once per session). Nothing here is kept in module globals: two
runtimes in one process each load their own model unless they are given the same `GpuEngine`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from fedi.config import Settings

if TYPE_CHECKING:
    from generation.engine import GenerationEngine

log = logging.getLogger(__name__)

LoadProgress = Callable[[str, str, float], None]


class GpuEngine:
    """A GenerationEngine made from `settings` the first time it is asked for (loading the model
    shows progress in the log, or through `on_load`)."""

    def __init__(self, settings: Settings, *, on_load: LoadProgress | None = None) -> None:
        self._settings = settings
        self._on_load = on_load
        self._engine: GenerationEngine | None = None
        self._lock = threading.Lock()

    def get(self) -> GenerationEngine:
        with self._lock:
            if self._engine is None:
                self._engine = build_engine(self._settings, on_load=self._on_load)
            return self._engine

    @property
    def started(self) -> bool:
        return self._engine is not None

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None


def build_engine(settings: Settings, *, on_load: LoadProgress | None = None) -> GenerationEngine:
    from generation.device import choose_device, needs_offload
    from generation.engine import GenerationEngine
    from generation.presets import resolve_preset

    options = settings.generation
    preset = resolve_preset(options.preset)
    dtype = None if options.dtype == "auto" else options.dtype
    device = choose_device(options.device, dtype)
    offload = options.cpu_offload == "on" or (
        options.cpu_offload == "auto" and needs_offload(device, preset.vram_gb)
    )
    log.info(
        "generation engine: preset %s on %s (%s)%s",
        preset.name,
        device.device,
        device.dtype,
        ", CPU offload" if offload else "",
    )

    def log_load(name: str, stage: str, fraction: float) -> None:
        log.info("loading %s: %s %d%%", name, stage, round(fraction * 100))

    return GenerationEngine(
        [preset],
        device=device,
        accepted_licences=options.accept_licences,
        model_paths={preset.name: options.model_path} if options.model_path else None,
        cache_dir=settings.model_cache_dir,
        local_files_only=options.local_files_only,
        max_batch=options.max_batch,
        max_wait_s=options.max_wait_ms / 1000,
        cpu_offload=offload,
        on_load_progress=on_load or log_load,
    )

"""The generation service inside a GPU worker process: a queue, a batcher and one GPU thread.

Any number of threads `submit` requests and wait on their handles; a single thread owns the
device, loads pipelines lazily (at most `max_loaded` at a time, least recently used evicted) and
runs the batches the `DynamicBatcher` hands it. Nothing but pipeline calls runs on that thread:
callers encode and upload after `result()`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType

from generation.batcher import DynamicBatcher
from generation.device import DeviceChoice, choose_device
from generation.errors import Cancelled, GenerationError, InvalidRequest, OutOfMemory
from generation.pipeline import LoadedPipeline, load_pipeline, release
from generation.presets import PRESETS, Preset, validate_request
from generation.runner import compatibility_key, run_batch
from generation.types import GeneratedImage, GenerationRequest, Progress

__all__ = ["BatchRecord", "EngineStats", "GenerationEngine", "GenerationHandle"]

log = logging.getLogger(__name__)


class GenerationHandle:
    """A future for one request: `result()` blocks, `cancel()` withdraws it."""

    def __init__(
        self,
        request: GenerationRequest,
        owner: str,
        on_progress: Callable[[Progress], None] | None,
        on_cancel: Callable[[GenerationHandle], None],
    ) -> None:
        self.request = request
        self.owner = owner
        self._on_progress = on_progress
        self._on_cancel = on_cancel
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._image: GeneratedImage | None = None
        self._error: BaseException | None = None
        self._callbacks: list[Callable[[GenerationHandle], None]] = []

    def result(self, timeout: float | None = None) -> GeneratedImage:
        """The image; raises the request's `GenerationError`, or `TimeoutError` after `timeout`."""
        if not self._done.wait(timeout):
            raise TimeoutError("the image is not ready yet")
        if self._error is not None:
            raise self._error
        assert self._image is not None
        return self._image

    def cancel(self) -> bool:
        """Withdraw the request; False if it had already finished.

        A queued request never reaches the GPU; a running one is interrupted only when every
        request in its batch is cancelled, otherwise its image is discarded.
        """
        if not self._finish(error=Cancelled()):
            return False
        self._on_cancel(self)
        return True

    def add_done_callback(self, callback: Callable[[GenerationHandle], None]) -> None:
        """Call `callback(handle)` once it is done, from the finishing thread (at once if done).

        For bridging to an event loop: `loop.call_soon_threadsafe(...)` inside the callback.
        """
        with self._lock:
            if not self._done.is_set():
                self._callbacks.append(callback)
                return
        self._run_callback(callback)

    def cancelled(self) -> bool:
        return isinstance(self._error, Cancelled)

    def done(self) -> bool:
        return self._done.is_set()

    def _finish(self, *, image: GeneratedImage | None = None, error: BaseException | None = None) -> bool:
        with self._lock:
            if self._done.is_set():
                return False
            self._image, self._error = image, error
            self._done.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            self._run_callback(callback)
        return True

    def _run_callback(self, callback: Callable[[GenerationHandle], None]) -> None:
        try:
            callback(self)
        except Exception:
            log.exception("done callback failed for owner %s", self.owner)

    def _progress(self, progress: Progress) -> None:
        if self._on_progress is None or self.done():
            return
        try:
            self._on_progress(progress)
        except Exception:
            # A broken progress sink must not stop the batch for everyone else.
            log.exception("progress callback failed for owner %s", self.owner)


@dataclass(frozen=True)
class BatchRecord:
    """One pipeline call, as passed to `on_batch`: who and what shared it, and how long it took."""

    requests: tuple[GenerationRequest, ...]
    owners: tuple[str, ...]
    seconds: float


@dataclass(frozen=True)
class EngineStats:
    pipeline_calls: int = 0
    images: int = 0
    batches_by_size: dict[int, int] = field(default_factory=dict)
    busy_seconds: float = 0.0
    loads: int = 0
    load_seconds: float = 0.0
    cancelled: int = 0
    failed: int = 0
    queued: int = 0


class GenerationEngine:
    """Owns the device: lazy pipelines, a fair dynamic batcher and the one GPU thread.

    `presets` are the ones requests may name (default: all built-in presets); `model_paths` maps a
    preset name to a local copy of its weights; `accepted_licences` holds preset names whose
    licence the operator accepted. `max_batch` caps every preset's batch (default: the preset's
    own suggestion); `max_wait_s` is how long a batch may wait for company. `loader` replaces
    `load_pipeline` (benchmarks use it to run in-memory pipelines).
    """

    def __init__(
        self,
        presets: Iterable[Preset] | None = None,
        *,
        device: DeviceChoice | str = "auto",
        accepted_licences: Collection[str] = (),
        model_paths: Mapping[str, str] | None = None,
        cache_dir: str | None = None,
        local_files_only: bool = False,
        max_batch: int | None = None,
        max_wait_s: float = 0.05,
        max_loaded: int = 1,
        compile: bool = False,
        cpu_offload: bool = False,
        max_prompt_chars: int = 2000,
        loader: Callable[[Preset], LoadedPipeline] | None = None,
        on_batch: Callable[[BatchRecord], None] | None = None,
        on_load_progress: Callable[[str, str, float], None] | None = None,
    ) -> None:
        self.presets = {p.name: p for p in (PRESETS.values() if presets is None else presets)}
        self.device = choose_device(device) if isinstance(device, str) else device
        self._accepted = frozenset(accepted_licences)
        self._model_paths = dict(model_paths or {})
        self._cache_dir = cache_dir
        self._local_files_only = local_files_only
        self._max_batch = max_batch
        self._max_loaded = max(1, max_loaded)
        self._compile = compile
        self._cpu_offload = cpu_offload
        self._max_prompt_chars = max_prompt_chars
        self._loader = loader or self._load
        self._on_batch = on_batch
        self._on_load_progress = on_load_progress
        self._oom_caps: dict[Hashable, int] = {}
        self._loaded: OrderedDict[str, LoadedPipeline] = OrderedDict()
        self._gpu_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self._stats: Counter[str] = Counter()
        self._busy_seconds = 0.0
        self._load_seconds = 0.0
        self._sizes: Counter[int] = Counter()
        self._batcher: DynamicBatcher[GenerationHandle] = DynamicBatcher(
            max_batch=self._batch_limit, max_wait_s=max_wait_s
        )
        self._thread = threading.Thread(target=self._serve, name="generation-gpu", daemon=True)
        self._thread.start()

    def submit(
        self,
        request: GenerationRequest,
        *,
        owner: str,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> GenerationHandle:
        """Validate and queue `request` for `owner` (the unit of fairness, e.g. an account).

        Raises `InvalidRequest` at once; every other error comes out of `handle.result()`.
        `on_progress` is called from the GPU thread after each step: keep it quick.
        """
        preset = self.presets.get(request.preset)
        if preset is None:
            choices = ", ".join(sorted(self.presets))
            raise InvalidRequest("preset", f"unknown preset {request.preset[:64]!r}; choose one of {choices}")
        validate_request(request, preset, max_prompt_chars=self._max_prompt_chars)
        handle = GenerationHandle(request, owner, on_progress, self._withdraw)
        if not self._batcher.put(handle, key=compatibility_key(request), owner=owner):
            raise Cancelled("the generation engine is shut down")
        return handle

    def preload(self, preset: str) -> LoadedPipeline:
        """Load a preset now (e.g. at worker start) instead of on its first request."""
        with self._gpu_lock:
            return self._pipeline(self.presets[preset])

    def stats(self) -> EngineStats:
        with self._stats_lock:
            return EngineStats(
                pipeline_calls=self._stats["pipeline_calls"],
                images=self._stats["images"],
                batches_by_size=dict(sorted(self._sizes.items())),
                busy_seconds=self._busy_seconds,
                loads=self._stats["loads"],
                load_seconds=self._load_seconds,
                cancelled=self._stats["cancelled"],
                failed=self._stats["failed"],
                queued=len(self._batcher),
            )

    def close(self, timeout: float | None = None) -> None:
        """Fail queued requests with `Cancelled`, finish the running batch, free the device."""
        for handle in self._batcher.close():
            handle._finish(error=Cancelled("the generation engine is shut down"))
        self._thread.join(timeout)
        with self._gpu_lock:
            self._loaded.clear()
            release(self.device)

    def __enter__(self) -> GenerationEngine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _batch_limit(self, key: Hashable) -> int:
        assert isinstance(key, tuple)  # a runner.CompatibilityKey, preset name first
        limit = self._max_batch or self.presets[key[0]].max_batch
        return min(limit, self._oom_caps.get(key, limit))

    def _withdraw(self, handle: GenerationHandle) -> None:
        self._batcher.discard(handle)
        self._count("cancelled")

    def _serve(self) -> None:
        while (batch := self._batcher.next_batch()) is not None:
            live = [handle for handle in batch if not handle.done()]
            if not live:
                continue
            with self._gpu_lock:
                try:
                    loaded = self._pipeline(self.presets[live[0].request.preset])
                    self._generate(loaded, live)
                except Exception as exc:  # delivered to every waiter; the thread keeps serving
                    self._fail(live, exc)

    def _generate(self, loaded: LoadedPipeline, handles: Sequence[GenerationHandle]) -> None:
        try:
            images = self._call(loaded, handles)
        except Cancelled:
            return  # every handle already holds its Cancelled
        except OutOfMemory:
            if len(handles) == 1:
                raise
            # Halve the batch for this key from now on and retry the two halves.
            half = len(handles) // 2
            self._oom_caps[compatibility_key(handles[0].request)] = half
            log.warning("out of memory at batch %d; retrying as %d", len(handles), half)
            self._generate(loaded, handles[:half])
            self._generate(loaded, handles[half:])
            return
        for handle, image in zip(handles, images, strict=True):
            handle._finish(image=image)  # a no-op for a handle cancelled meanwhile
        self._count("images", len(images))
        if self._on_batch is not None:
            requests = tuple(handle.request for handle in handles)
            owners = tuple(handle.owner for handle in handles)
            self._on_batch(BatchRecord(requests, owners, images[0].seconds))

    def _call(self, loaded: LoadedPipeline, handles: Sequence[GenerationHandle]) -> list[GeneratedImage]:
        def on_step(step: int, total: int) -> None:
            for handle in handles:
                handle._progress(Progress(step, total))

        started = time.perf_counter()
        try:
            return run_batch(
                loaded,
                [handle.request for handle in handles],
                on_step=on_step,
                should_cancel=lambda: all(handle.cancelled() for handle in handles),
            )
        finally:
            self._record_call(len(handles), time.perf_counter() - started)

    def _pipeline(self, preset: Preset) -> LoadedPipeline:
        loaded = self._loaded.get(preset.name)
        if loaded is not None:
            self._loaded.move_to_end(preset.name)
            return loaded
        while len(self._loaded) >= self._max_loaded:
            self._loaded.popitem(last=False)
            release(self.device)
        loaded = self._loader(preset)
        self._loaded[preset.name] = loaded
        with self._stats_lock:
            self._stats["loads"] += 1
            self._load_seconds += loaded.load_seconds
        return loaded

    def _load(self, preset: Preset) -> LoadedPipeline:
        def progress(stage: str, fraction: float) -> None:
            if self._on_load_progress is not None:
                self._on_load_progress(preset.name, stage, fraction)

        return load_pipeline(
            preset,
            model_path=self._model_paths.get(preset.name),
            cache_dir=self._cache_dir,
            device=self.device,
            local_files_only=self._local_files_only,
            accepted_licences=self._accepted,
            on_progress=progress,
            compile=self._compile,
            cpu_offload=self._cpu_offload,
        )

    def _fail(self, handles: Sequence[GenerationHandle], error: BaseException) -> None:
        if not isinstance(error, GenerationError):
            log.error("generation failed", exc_info=error)
        self._count("failed", sum(handle._finish(error=error) for handle in handles))

    def _record_call(self, size: int, seconds: float) -> None:
        with self._stats_lock:
            self._stats["pipeline_calls"] += 1
            self._sizes[size] += 1
            self._busy_seconds += seconds

    def _count(self, name: str, amount: int = 1) -> None:
        with self._stats_lock:
            self._stats[name] += amount

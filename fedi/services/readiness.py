"""Can this instance make images right now, and if not, why? One answer for every caller.

The composer, the instance API, `/imagine` in a status, the image bot and `fedi doctor` all ask
`check`. The checks run from the cheapest and most actionable down: the config (turned off, not
installed, licence), the weights (on this machine, in the embedded mode), the GPU workers'
heartbeats (see fedi.jobs.heartbeat), then the length of the GPU queue. Nothing here loads torch.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from enum import StrEnum

from fedi.config import Settings
from fedi.convert.to_mastodon import SOURCE_URL
from fedi.errors import GenerationNotReady
from fedi.jobs import heartbeat
from fedi.jobs.heartbeat import LoadFailure, WorkerState
from fedi.jobs.queue import JobQueue
from fedi.runtime import Runtime
from generation.errors import GenerationError
from generation.presets import Preset, resolve_preset
from generation.weights import weights_present

DOCS_URL = f"{SOURCE_URL}/blob/main/docs/GENERATION.md#when-generation-is-not-ready"


class NotReadyReason(StrEnum):
    DISABLED = "disabled"
    NOT_INSTALLED = "not_installed"
    LICENCE_NOT_ACCEPTED = "licence_not_accepted"
    WEIGHTS_MISSING = "weights_missing"
    NO_WORKER = "no_worker"
    MODEL_FAILED = "model_failed"
    QUEUE_FULL = "queue_full"


_FROM_WORKER = {
    LoadFailure.LICENCE: NotReadyReason.LICENCE_NOT_ACCEPTED,
    LoadFailure.WEIGHTS: NotReadyReason.WEIGHTS_MISSING,
    LoadFailure.OTHER: NotReadyReason.MODEL_FAILED,
}
NOT_SET_UP = "Image generation isn't set up on this instance yet."
_PUBLIC = {
    NotReadyReason.DISABLED: "Image generation is turned off on this instance.",
    NotReadyReason.QUEUE_FULL: (
        "So many images are waiting for the GPU that this instance takes no more for now; "
        "try again in a few minutes."
    ),
}


@dataclass(frozen=True)
class Readiness:
    """`reason` is None when images can be asked for. `detail` and `fix` are for operators."""

    preset: str
    reason: NotReadyReason | None = None
    detail: str = ""
    fix: str = ""

    @property
    def ready(self) -> bool:
        return self.reason is None

    @property
    def message(self) -> str:
        """What anyone may be told."""
        if self.reason is None:
            return ""
        return _PUBLIC.get(self.reason, NOT_SET_UP)

    @property
    def docs_url(self) -> str:
        return DOCS_URL


def of(rt: Runtime) -> Readiness:
    return check(rt.settings, rt.jobs)


# What a full GPU queue tells callers to wait before asking again.
QUEUE_FULL_RETRY_AFTER = 30


def require(rt: Runtime) -> None:
    """Raise `GenerationNotReady` (422 with the reason; 503 with Retry-After for a full queue)
    unless images can be asked for now."""
    state = of(rt)
    if state.reason is not None:
        retry_after = QUEUE_FULL_RETRY_AFTER if state.reason is NotReadyReason.QUEUE_FULL else None
        raise GenerationNotReady(state.message, reason=state.reason.value, retry_after=retry_after)


def check(settings: Settings, jobs: JobQueue, *, now: float | None = None) -> Readiness:
    options = settings.generation
    if not options.enabled:
        return Readiness(options.preset, NotReadyReason.DISABLED, "generation.enabled is false", _SET_ENABLED)
    try:
        preset = resolve_preset(options.preset)
    except GenerationError as exc:
        return Readiness(options.preset, NotReadyReason.MODEL_FAILED, str(exc), _SETUP_PRESET)
    embedded = options.worker == "embedded"
    if embedded and importlib.util.find_spec("torch") is None:
        return Readiness(
            preset.name,
            NotReadyReason.NOT_INSTALLED,
            "torch and diffusers are not installed on this server",
            "install them: `scripts/install generation` (or pip install 'fedi[generation]')",
        )
    if preset.requires_acceptance and preset.name not in options.accept_licences:
        return _licence(preset)
    if embedded and not weights_present(
        preset, model_path=options.model_path, cache_dir=settings.model_cache_dir
    ):
        return _weights(settings, preset, jobs, now)
    return _workers_and_queue(settings, preset, jobs, now)


def _licence(preset: Preset) -> Readiness:
    return Readiness(
        preset.name,
        NotReadyReason.LICENCE_NOT_ACCEPTED,
        f"{preset.name} is under the {preset.licence}, which this instance has not accepted",
        f"read {preset.licence_url}; if this instance may use it, run "
        f"`fedi setup --preset {preset.name} --accept-licence {preset.name}` (or set "
        f'generation.accept_licences = ["{preset.name}"]), or choose another preset with `fedi setup`',
    )


def _weights(settings: Settings, preset: Preset, jobs: JobQueue, now: float | None) -> Readiness:
    where = settings.generation.model_path or settings.model_cache_dir
    detail = f"the weights of {preset.name} ({preset.hub_id}"
    detail += f", {preset.download_gb:g} GB)" if preset.download_gb else ")"
    detail += f" are not complete in {where}"
    if _may_fetch(settings) and _beats(jobs, now, WorkerState.STARTING):
        detail += (
            "; the generation worker is starting and may be fetching them from the hub (it shows no progress)"
        )
    return Readiness(
        preset.name,
        NotReadyReason.WEIGHTS_MISSING,
        detail,
        f"run `fedi setup --preset {preset.name}` (a resumable download with a progress bar), or "
        "copy a diffusers directory here and set generation.model_path to it",
    )


def _workers_and_queue(settings: Settings, preset: Preset, jobs: JobQueue, now: float | None) -> Readiness:
    if not jobs.inline:  # inline (tests): this very process runs the generation jobs
        try:
            beats = heartbeat.fresh(jobs.gpu, now=now)
        except Exception as exc:
            return Readiness(
                preset.name,
                NotReadyReason.NO_WORKER,
                f"the job storage cannot be read: {type(exc).__name__}",
                "check jobs.backend and jobs.url (`fedi doctor`)",
            )
        if not any(beat.state is not WorkerState.FAILED for beat in beats):
            return _no_worker(settings, preset, beats)
    try:
        waiting = jobs.pending("gpu")
    except Exception:
        waiting = 0  # unreadable here means the beats above were readable a moment ago
    if waiting >= settings.generation.max_queued:
        return Readiness(
            preset.name,
            NotReadyReason.QUEUE_FULL,
            f"{waiting} images are waiting for the GPU (generation.max_queued is {settings.generation.max_queued})",
            "wait for the queue to drain, add `fedi gpu-worker` hosts, or raise generation.max_queued",
        )
    return Readiness(preset.name)


def _no_worker(settings: Settings, preset: Preset, beats: list[heartbeat.WorkerBeat]) -> Readiness:
    if beats:  # every worker there says it cannot load the model
        beat = beats[0]
        reason = _FROM_WORKER[beat.failure or LoadFailure.OTHER]
        return Readiness(
            preset.name,
            reason,
            f"the generation worker {beat.worker} cannot load {beat.preset}: {beat.message}",
            "fix what it says on that worker's host, then restart it (`fedi doctor` there checks the set-up)",
        )
    if settings.generation.worker == "embedded":
        return Readiness(
            preset.name,
            NotReadyReason.NO_WORKER,
            f"the generation worker process of fedi serve has not reported in the last {heartbeat.FRESH_S:.0f} s",
            "make sure `fedi serve` is running (it starts the worker and restarts it if it dies); "
            "its log says why the worker stopped",
        )
    return Readiness(
        preset.name,
        NotReadyReason.NO_WORKER,
        f"no `fedi gpu-worker` has reported in the last {heartbeat.FRESH_S:.0f} s",
        "start `fedi gpu-worker` on a GPU host with the same [jobs] settings as this server",
    )


def _may_fetch(settings: Settings) -> bool:
    from huggingface_hub import constants

    return not (settings.generation.local_files_only or constants.HF_HUB_OFFLINE)


def _beats(jobs: JobQueue, now: float | None, state: WorkerState) -> bool:
    try:
        return any(beat.state is state for beat in heartbeat.fresh(jobs.gpu, now=now))
    except Exception:
        return False


_SET_ENABLED = "set generation.enabled = true in the config"
_SETUP_PRESET = (
    "choose a preset with `fedi setup` (or set generation.preset to a preset name or a diffusers directory)"
)

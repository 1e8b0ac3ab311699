"""GPU workers say they are there, and whether their model loaded, through the job storage.

Every `fedi gpu-worker` writes a beat every few seconds into the gpu queue's key-value store
(the same SQLite file, Redis or PostgreSQL that carries its jobs, so a GPU host needs nothing
more). The web side reads the beats to know whether anyone will make the images it queues: a
beat older than `FRESH_S` counts as gone. All beats live under one key, as a dict by worker:
each writer rewrites only its own entry and drops the stale ones, so a lost update costs at
most one interval.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from huey import Huey

log = logging.getLogger(__name__)

KEY = "gpu-workers"
INTERVAL_S = 5.0
FRESH_S = 20.0


class WorkerState(StrEnum):
    STARTING = "starting"  # process up, model loading (or downloading)
    READY = "ready"  # model loaded: images are being made
    FAILED = "failed"  # the model cannot be loaded; `failure` and `message` say why


class LoadFailure(StrEnum):
    LICENCE = "licence_not_accepted"
    WEIGHTS = "weights_missing"
    OTHER = "model_failed"


@dataclass(frozen=True)
class WorkerBeat:
    worker: str
    state: WorkerState
    preset: str
    at: float
    failure: LoadFailure | None = None
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkerBeat:
        failure = data.get("failure")
        return cls(
            worker=str(data["worker"]),
            state=WorkerState(data["state"]),
            preset=str(data.get("preset", "")),
            at=float(data["at"]),
            failure=LoadFailure(failure) if failure else None,
            message=str(data.get("message", "")),
        )


def load_failure(exc: Exception) -> LoadFailure:
    """What kind of reason a model-loading error is (the generation library's error types)."""
    from generation.errors import LicenceNotAccepted, ModelUnavailable

    if isinstance(exc, LicenceNotAccepted):
        return LoadFailure.LICENCE
    if isinstance(exc, ModelUnavailable):
        return LoadFailure.WEIGHTS
    return LoadFailure.OTHER


def supervised(huey: Huey, preset: str) -> tuple[Callable[[int], None], Callable[[int, int], None]]:
    """Callbacks for the process that starts a gpu worker: its beats from spawn until its own
    first beat, and after it dies (so a dead worker's last "ready" does not linger)."""

    def started(pid: int) -> None:
        record(huey, WorkerBeat(worker_id(pid), WorkerState.STARTING, preset, time.time()))

    def exited(pid: int, code: int) -> None:
        message = f"the generation worker process exited with code {code}; it is being restarted"
        record(
            huey,
            WorkerBeat(worker_id(pid), WorkerState.FAILED, preset, time.time(), LoadFailure.OTHER, message),
        )

    return started, exited


def worker_id(pid: int | None = None) -> str:
    return f"{socket.gethostname()}:{pid or os.getpid()}"


def record(huey: Huey, beat: WorkerBeat, *, now: float | None = None) -> None:
    """Store `beat` (replacing this worker's previous one) and forget stale ones."""
    now = time.time() if now is None else now
    beats = {name: data for name, data in _read(huey).items() if now - float(data.get("at", 0)) < FRESH_S}
    beats[beat.worker] = beat.to_dict()
    huey.put(KEY, beats)


def fresh(huey: Huey, *, now: float | None = None) -> list[WorkerBeat]:
    """The beats written in the last `FRESH_S` seconds (readable ones only)."""
    now = time.time() if now is None else now
    found = []
    for data in _read(huey).values():
        try:
            beat = WorkerBeat.from_dict(data)
        except (KeyError, ValueError, TypeError):
            continue
        if now - beat.at < FRESH_S:
            found.append(beat)
    return found


def _read(huey: Huey) -> dict[str, dict[str, Any]]:
    try:
        data = huey.get(KEY, peek=True)
    except Exception:  # an unreadable or foreign value: start over rather than fail the reader
        log.warning("the gpu worker beats could not be read; starting afresh", exc_info=True)
        return {}
    return data if isinstance(data, dict) else {}


class Heartbeat:
    """A thread that writes this process's beat every `INTERVAL_S` seconds until stopped."""

    def __init__(self, huey: Huey, preset: str, *, clock: Callable[[], float] = time.time) -> None:
        self._huey = huey
        self._clock = clock
        self._beat = WorkerBeat(worker_id(), WorkerState.STARTING, preset, clock())
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gpu-heartbeat", daemon=True)

    def start(self) -> None:
        self._write()
        self._thread.start()

    def set(self, state: WorkerState, failure: LoadFailure | None = None, message: str = "") -> None:
        with self._lock:
            self._beat = replace(self._beat, state=state, failure=failure, message=message[:500])
        self._write()

    def stop(self) -> None:
        self._stopping.set()

    def _run(self) -> None:
        while not self._stopping.wait(INTERVAL_S):
            self._write()

    def _write(self) -> None:
        with self._lock:
            beat = replace(self._beat, at=self._clock())
        try:
            record(self._huey, beat, now=beat.at)
        except Exception:  # the job storage is briefly unreachable: the next beat tries again
            log.warning("could not record the gpu worker's heartbeat", exc_info=True)

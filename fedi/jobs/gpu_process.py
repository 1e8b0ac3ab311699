"""The embedded mode's GPU worker: a child process of `fedi serve`, restarted if it dies.

A separate process keeps torch out of the web process; it consumes the gpu queue exactly as a
`fedi gpu-worker` on another machine would.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 30.0


class GpuWorkerProcess:
    """`on_start(pid)` and `on_exit(pid, code)` are told about each child (for its heartbeat)."""

    def __init__(
        self,
        config_file: Path | None,
        *,
        on_start: Callable[[int], None] | None = None,
        on_exit: Callable[[int, int], None] | None = None,
    ) -> None:
        self._on_start = on_start
        self._on_exit = on_exit
        self._command = [sys.executable, "-m", "fedi"]
        if config_file is not None:
            self._command += ["--config", str(config_file)]
        self._command += ["gpu-worker", "--parent-pid", str(os.getpid())]
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="gpu-worker-supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _supervise(self) -> None:
        backoff = 1.0
        while not self._stopping.is_set():
            log.info("starting the generation worker process")
            self._process = subprocess.Popen(self._command)
            self._tell(self._on_start, self._process.pid)
            code = self._process.wait()
            if self._stopping.is_set():
                return
            self._tell(self._on_exit, self._process.pid, code)
            log.warning("the generation worker exited with %s; restarting in %.0f s", code, backoff)
            self._stopping.wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_S)

    @staticmethod
    def _tell(callback: Callable[..., None] | None, *args: int) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except Exception:  # a heartbeat that cannot be written must not stop the supervisor
            log.warning("could not record the generation worker's state", exc_info=True)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
        self._thread.join(timeout=timeout)


def exit_with_parent(parent_pid: int) -> None:
    """Exit when the process that started us is gone (even if it was killed with SIGKILL)."""

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                log.warning("fedi serve is gone: the generation worker stops")
                os._exit(0)
            threading.Event().wait(1.0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()

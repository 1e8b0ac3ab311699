"""Real fedi servers and fake receivers in their own processes, on loopback ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(directory: Path, port: int, database_url: str, **sections: dict[str, Any]) -> Path:
    """A config for a loopback instance at 127.0.0.1:port; `sections` override keys."""
    directory.mkdir(parents=True, exist_ok=True)
    values: dict[str, dict[str, Any]] = {
        "instance": {"domain": f"127.0.0.1:{port}", "https": False},
        "server": {"port": port},
        "database": {"url": database_url},
        "federation": {"allow_private_addresses": True, "allow_http": True},
        # Off unless a test asks: the generation worker process costs seconds of CPU to start.
        "generation": {"preset": "tiny", "enabled": False},
        "log": {"level": "warning"},
    }
    for name, keys in sections.items():
        values.setdefault(name, {}).update(keys)
    lines = [f"data_dir = {_toml(str(directory / 'data'))}"]
    for name, keys in values.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {_toml(value)}" for key, value in keys.items()]
    config = directory / "config.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def fedi(config: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fedi", "--config", str(config), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(),
        timeout=timeout,
        check=True,
    )


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDI_")}
    env["PYTHONPATH"] = str(ROOT)
    env["HF_HUB_OFFLINE"] = "1"
    return env


class Server:
    """`fedi serve` in a subprocess."""

    def __init__(self, config: Path, port: int, *, env: dict[str, str] | None = None) -> None:
        self.config = config
        self.port = port
        self.env = env or {}
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = config.parent / "serve.log"

    def start(self, timeout: float = 60) -> Server:
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fedi", "--config", str(self.config), "serve"],
            cwd=ROOT,
            env=_env() | self.env,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"fedi serve exited early:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"fedi serve did not come up:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no graceful drain."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


@contextmanager
def running(config: Path, port: int) -> Iterator[Server]:
    server = Server(config, port).start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def receiver(port: int, *, delay: float = 0.0, fail_first: int = 0) -> Iterator[str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.receiver",
            str(port),
            "--delay",
            str(delay),
            "--fail-first",
            str(fail_first),
        ],
        cwd=ROOT,
        env=_env(),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{url}/_stats", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def stats(receiver_url: str) -> dict[str, Any]:
    return httpx.get(f"{receiver_url}/_stats", timeout=5).json()


def wait_for(predicate: Any, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())

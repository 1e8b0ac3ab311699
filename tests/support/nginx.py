"""Debian's nginx for tests: a config of the test's own in a temporary directory, run in the
foreground on free ports, stopped by PID. The system service is never touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

MIME_TYPES = Path("/etc/nginx/mime.types")


def binary() -> str:
    """nginx, or a skip with the reason."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        pytest.skip("nginx is not installed (scripts/install-nginx, or apt-get install -y nginx)")
    return found


def main_config(prefix: Path, http_body: str) -> Path:
    """An nginx.conf whose every path lies under `prefix`, wrapping `http_body`."""
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "logs").mkdir(exist_ok=True)
    mime = f"include {MIME_TYPES};" if MIME_TYPES.exists() else ""
    config = prefix / "nginx.conf"
    # Started as root, nginx's workers would drop to an account that cannot read our temp dir.
    user = "user root;" if os.getuid() == 0 else ""
    config.write_text(
        f"""
{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    {mime}
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{http_body}
}}
"""
    )
    return config


def check(config: Path) -> subprocess.CompletedProcess[str]:
    """`nginx -t` on a config."""
    return subprocess.run(
        [binary(), "-t", "-p", str(config.parent), "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
    )


class Nginx:
    def __init__(self, config: Path, url: str) -> None:
        self.config = config
        self.url = url
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Nginx:
        log = (self.config.parent / "logs" / "stderr.log").open("ab")
        self.process = subprocess.Popen(
            [binary(), "-p", str(self.config.parent), "-c", str(self.config), "-g", "daemon off;"],
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(self.url, timeout=1)
                return self
            except httpx.HTTPError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    errors = (self.config.parent / "logs" / "error.log").read_text(errors="replace")
                    raise RuntimeError(f"nginx did not start:\n{errors[-2000:]}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown, workers included
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

"""A real fedi server on loopback (`python -m fedi serve`, SQLite, embedded jobs) with local
people, and Mastodon.py clients signed in through the HTML pages as a browser would."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from mastodon import Mastodon

from tests.api.oauth_flow import code_from, sign_in_and_approve

ROOT = Path(__file__).resolve().parents[2]
OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = ["read", "write", "follow", "push"]
PASSWORD = "correct horse battery"


@dataclass
class Server:
    base: str
    log: Path
    config: Path
    people: dict[str, str]  # username: email

    def fedi(self, *args: str) -> str:
        """Run a `fedi` command against this server's configuration; returns its output."""
        done = subprocess.run(_fedi(self.config, *args), env=_env(), cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("FEDI_")} | {"PYTHONPATH": str(ROOT)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fedi(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "fedi", "--config", str(config), *args]


@contextmanager
def running_server(home: Path, people: dict[str, str]) -> Iterator[Server]:
    port = _free_port()
    config = home / "config.toml"
    config.write_text(
        f'data_dir = "{home / "data"}"\n'
        f'[instance]\ndomain = "127.0.0.1:{port}"\nhttps = false\n'
        f"[server]\nport = {port}\n"
        "[federation]\nallow_private_addresses = true\nallow_http = true\n"
        '[generation]\npreset = "tiny"\n'
    )
    env = _env()
    subprocess.run(_fedi(config, "migrate"), check=True, env=env, cwd=ROOT, capture_output=True)
    for username, email in people.items():
        command = _fedi(config, "accounts", "create", username, "--email", email, "--password", PASSWORD)
        subprocess.run(command, check=True, env=env, cwd=ROOT, capture_output=True)
    log = home / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            _fedi(config, "serve"), env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log)
        yield Server(base, log, config, people)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"fedi serve exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"fedi serve did not start:\n{log.read_text()}")


def sign_in(server: Server, username: str, scopes: list[str] = SCOPES) -> Mastodon:
    """Register an app, sign in through the pages, approve, and exchange the code."""
    client_id, client_secret = Mastodon.create_app("fedi tests", scopes=scopes, api_base_url=server.base)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server.base)
    url = api.auth_request_url(redirect_uris=OOB, scopes=scopes, allow_http=True)
    with httpx.Client(base_url=server.base) as browser:
        answer = sign_in_and_approve(browser, url, email=server.people[username], password=PASSWORD)
    api.log_in(code=code_from(answer), redirect_uri=OOB, scopes=scopes, allow_http=True)
    return api

"""60 MB chunked bodies against `fedi serve`: 413 on every route class, the server's memory
barely moves, and no temporary file is left behind."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fedi.composition import build_runtime
from fedi.config import load_settings
from fedi.db import make_engine, migrate
from fedi.services.accounts import create_local_account
from fedi.services.system import ensure_system_accounts
from tests.api.conftest import issue_token
from tests.support.processes import Server, free_port, write_config
from tests.web.markup import csrf_token

pytestmark = pytest.mark.slow

MB = 1024 * 1024
SIZE = 60 * MB
CHUNK = 64 * 1024
BOUNDARY = "fedi-limit-test"
PASSWORD = "correct horse battery"


def _kib(pid: int, field: str) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    assert match is not None
    return int(match.group(1))


class MemoryWatch:
    """Samples a process's resident memory every 20 ms."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak_kib = max(self.peak_kib, _kib(self.pid, "VmRSS"))


def send_chunked(port: int, path: str, headers: dict[str, str], head: bytes = b"") -> tuple[int, int]:
    """POST SIZE bytes chunked to the server; returns (status, bytes sent before it answered)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    answer = bytearray()
    answered = threading.Event()

    def read() -> None:
        try:
            while b"\r\n\r\n" not in answer:
                data = sock.recv(65536)
                if not data:
                    break
                answer.extend(data)
        except OSError:
            pass
        answered.set()

    reader = threading.Thread(target=read, daemon=True)
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Transfer-Encoding: chunked"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    sent = 0
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        reader.start()
        pieces = [head] if head else []
        while sent < SIZE and not answered.is_set():
            piece = pieces.pop() if pieces else b"x" * CHUNK
            sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            sent += len(piece)
        if not answered.is_set():
            sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # the server closed the connection after answering
    answered.wait(30)
    sock.close()
    status_line = bytes(answer).split(b"\r\n", 1)[0].decode(errors="replace")
    assert status_line.startswith("HTTP/1.1 "), status_line
    return int(status_line.split()[1]), sent


def _multipart_head(fields: dict[str, str], file_field: str) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; filename="big.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    )
    return "".join(parts).encode()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Server, str, Path]]:
    port = free_port()
    (tmp_path / "data").mkdir()
    config = write_config(tmp_path, port, f"sqlite:///{tmp_path / 'data' / 'fedi.sqlite3'}")
    settings = load_settings(config)
    engine = make_engine(settings)
    migrate(engine)
    engine.dispose()
    runtime = build_runtime(settings)
    ensure_system_accounts(runtime)
    with runtime.db.session() as session:
        alice = create_local_account(
            session,
            runtime.urls,
            username="alice",
            email="alice@example.org",
            password=PASSWORD,
            passwords=runtime.passwords,
        )
    token = issue_token(runtime, alice)
    runtime.close()
    temp = tmp_path / "tmp"
    temp.mkdir()
    server = Server(config, port, env={"TMPDIR": str(temp)}).start()
    try:
        yield server, token, temp
    finally:
        server.stop()


def _left_behind(pid: int, temp: Path) -> list[str]:
    """Files in the server's temporary directory, and open ones deleted from it."""
    names = [str(p) for p in temp.iterdir()]
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(temp)):
            names.append(target)
    return names


def test_sixty_megabytes_chunked_get_413_on_every_route_class_without_growing_memory(
    served: tuple[Server, str, Path],
) -> None:
    server, token, temp = served
    assert server.process is not None
    pid = server.process.pid
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        page = browser.get("/auth/sign_in")
        signed_in = browser.post(
            "/auth/sign_in",
            data={"csrf_token": csrf_token(page.text), "email": "alice@example.org", "password": PASSWORD},
        )
        assert signed_in.status_code == 303
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        settings_csrf = csrf_token(browser.get("/settings/profile").text)
    multipart = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    targets = [
        ("/api/v1/apps", {"Content-Type": "application/json"}, b""),
        ("/inbox", {"Content-Type": "application/activity+json"}, b""),
        ("/api/v2/media", multipart | {"Authorization": f"Bearer {token}"}, _multipart_head({}, "file")),
        (
            "/settings/profile",
            multipart | {"Cookie": cookie, "Origin": server.url},
            _multipart_head({"csrf_token": settings_csrf}, "avatar"),
        ),
    ]
    # Warm up each route with a small body, so that what is measured is the big ones.
    for path, headers, _ in targets:
        httpx.post(f"{server.url}{path}", content=b"{}", headers=headers, timeout=30)
    baseline_rss, baseline_hwm = _kib(pid, "VmRSS"), _kib(pid, "VmHWM")
    answers = {}
    with MemoryWatch(pid) as watch:
        for path, headers, head in targets:
            answers[path] = send_chunked(server.port, path, headers, head)
    assert {path: status for path, (status, _) in answers.items()} == dict.fromkeys(answers, 413)
    assert all(sent < SIZE for _, sent in answers.values()), answers  # cut off, not read to the end
    grown_mb = (max(watch.peak_kib, _kib(pid, "VmRSS")) - baseline_rss) / 1024
    peak_grown_mb = (_kib(pid, "VmHWM") - baseline_hwm) / 1024
    assert grown_mb < 30, f"resident memory grew by {grown_mb:.1f} MB"
    assert peak_grown_mb < 30, f"peak memory grew by {peak_grown_mb:.1f} MB"
    time.sleep(0.5)
    assert _left_behind(pid, temp) == []

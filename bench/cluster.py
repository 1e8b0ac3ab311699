"""Processes for the scale-out benchmarks: a PostgreSQL database of their own, queues under a
unique name on Redis, `fedi` processes and nginx on free loopback ports, all stopped by PID."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("FEDI_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("FEDI_BENCH_REDIS", "redis://127.0.0.1:6379/0")


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"fedi_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://") + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def redis_queue() -> Iterator[tuple[str, str]]:
    """(Redis URL, a queue name of our own); its keys are removed afterwards."""
    import redis

    name = f"b{uuid.uuid4().hex[:10]}"
    try:
        yield REDIS, name
    finally:
        client = redis.Redis.from_url(REDIS)
        keys = list(client.scan_iter(match=f"huey.*{name}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


def write_config(path: Path, **sections: dict[str, Any]) -> Path:
    lines = [f'data_dir = "{path.parent / "data"}"']
    for name, keys in sections.items():
        lines.append(f"[{name}]")
        for key, value in keys.items():
            shown = (
                ("true" if value else "false") if isinstance(value, bool) else repr(value).replace("'", '"')
            )
            lines.append(f"{key} = {shown}")
    path.write_text("\n".join(lines) + "\n")
    return path


class Fedi:
    """A `fedi` command in the background."""

    def __init__(self, config: Path, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FEDI_")} | {"PYTHONPATH": str(ROOT)}
        self.log = config.parent / f"{args[0]}-{uuid.uuid4().hex[:4]}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fedi", "--config", str(config), *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("wb"),
        )

    def errors(self) -> str:
        """The end of the process's log, for a run that went wrong."""
        return self.log.read_text(errors="replace")[-4000:]

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_http(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (and its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


class Nginx:
    """nginx in the foreground with its own config, spreading requests over `upstreams`."""

    def __init__(self, prefix: Path, port: int, upstreams: list[int]) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        prefix.mkdir(parents=True, exist_ok=True)
        servers = "".join(f"server 127.0.0.1:{p};" for p in upstreams)
        user = "user root;" if os.getuid() == 0 else ""
        config = prefix / "nginx.conf"
        config.write_text(
            f"""{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fcgi; uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
    upstream fedi {{ {servers} keepalive 64; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://fedi;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""
        )
        self.process = subprocess.Popen([binary, "-p", str(prefix), "-c", str(config), "-g", "daemon off;"])
        self.pids = [self.process.pid]

    def worker_pids(self) -> list[int]:
        """The master and its worker (the worker does the proxying)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [self.process.pid, *(int(p) for p in children.read_text().split())]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

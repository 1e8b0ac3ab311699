"""The distributed topology as real processes: PostgreSQL (a database of our own on the machine's
server), Redis (a redis-server of our own with its append-only file on), an S3-compatible server
(moto), nginx in front of two `fedi serve`, two `fedi worker` and one `fedi gpu-worker` that has
no database credentials. Every process is started here and stopped by its PID."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from fedi.composition import build_runtime
from fedi.config import load_settings
from fedi.db import make_engine, migrate
from fedi.runtime import Runtime
from fedi.services.system import ensure_system_accounts
from tests.conftest import MODEL_CACHE, PG_ADMIN_URL
from tests.support import nginx
from tests.support.processes import ROOT, free_port, write_config
from tests.support.redis import RedisServer
from tests.support.s3 import CREDENTIALS, S3Server

SERVES = 2
WORKERS = 2


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FEDI_", "PG", "AWS_"))}
    return {**env, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", **CREDENTIALS, **extra}


class Process:
    """One fedi command in its own process, logging to a file; kill -9 and start again."""

    def __init__(self, name: str, config: Path, args: list[str], ready: Callable[[Process], bool]) -> None:
        self.name = name
        self.config = config
        self.args = args
        self.ready = ready
        self.log = config.parent / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 90) -> Process:
        self.launch()
        return self.wait_ready(timeout)

    def launch(self) -> None:
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fedi", "--config", str(self.config), *self.args],
            cwd=ROOT,
            env=_env(),
            stdout=log,
            stderr=log,
        )

    def wait_ready(self, timeout: float) -> Process:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while not self.ready(self):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not come up:\n{self.tail()}")
            time.sleep(0.1)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, nothing handed back."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        self.terminate()
        self.wait()

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


@dataclass
class Topology:
    directory: Path
    config: Path
    gpu_config: Path
    url: str
    domain: str
    database_url: str
    redis: RedisServer
    s3: S3Server
    bucket: str
    queue: str
    media_base_url: str
    serves: list[Process] = field(default_factory=list)
    workers: list[Process] = field(default_factory=list)
    gpu: Process | None = None
    web: nginx.Nginx | None = None

    def runtime(self) -> Runtime:
        """The test's own handle on the database and the queues (like one more worker host)."""
        return build_runtime(load_settings(self.config))

    def logs(self) -> str:
        parts = [f"== {p.name}\n{p.tail()}" for p in [*self.serves, *self.workers, self.gpu] if p is not None]
        return "\n".join(parts)


def _serve_ready(process: Process) -> bool:
    port = process.args[-1]
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _consumer_ready(redis_url: str, queue: str) -> Callable[[Process], bool]:
    """A consumer is ready once its heartbeat is in Redis (it sets one when it first asks for a job)."""

    def ready(process: Process) -> bool:
        import redis

        client = redis.Redis.from_url(redis_url)
        try:
            return any(client.scan_iter(match=f"huey.alive.{queue}.*-{process.pid}-*"))
        finally:
            client.close()

    return ready


def _nginx_body(port: int, serve_ports: list[int], s3: S3Server, bucket: str, prefix: Path) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in serve_ports)
    moto = s3.endpoint.removeprefix("http://")
    # deploy/nginx/fedi.conf, in plain http on loopback; /media/ goes to the public bucket
    # (what a CDN in front of it does), cached here.
    return f"""
    upstream fedi {{
{servers}
        keepalive 16;
    }}
    proxy_cache_path {prefix}/media-cache levels=1:2 keys_zone=fedi_media:1m max_size=100m use_temp_path=off;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' ''; }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 20m;
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Connection "";
        location / {{ proxy_pass http://fedi; }}
        location /api/v1/streaming {{
            proxy_pass http://fedi;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_buffering off;
            proxy_read_timeout 1h;
        }}
        location /media/ {{
            proxy_pass http://{moto}/{bucket}/;
            proxy_set_header Host {moto};
            proxy_cache fedi_media;
            proxy_cache_valid 200 7d;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
"""


def _stop_all(processes: list[Process]) -> None:
    """All at once: each takes a moment to shut down."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait()


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"fedi_topology_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://") + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def topology(
    directory: Path,
    s3: S3Server,
    *,
    users: list[str],
    password: str,
    sections: dict[str, dict[str, Any]] | None = None,
) -> Iterator[Topology]:
    """Start everything; stop everything (by PID) on the way out, in any case."""
    from fedi.services.accounts import create_local_account

    with ExitStack() as stack:
        database_url = stack.enter_context(postgres_database())
        redis = RedisServer(directory / "redis").start()
        stack.callback(redis.stop)
        bucket = s3.new_bucket()
        port = free_port()
        serve_ports = [free_port() for _ in range(SERVES)]
        queue = f"t{uuid.uuid4().hex[:10]}"
        domain = f"127.0.0.1:{port}"
        media_base_url = f"http://{domain}/media"
        values: dict[str, dict[str, Any]] = {
            "api": {"password_grant": True},
            "jobs": {"backend": "redis", "url": redis.url, "embedded": False, "name": queue, "workers": 4},
            "streaming": {"redis_url": redis.url},
            "media": {"backend": "s3", "bucket": bucket, "endpoint": s3.endpoint, "base_url": media_base_url},
            "generation": {
                "enabled": True,
                "worker": "remote",
                "preset": "tiny",
                "cache_dir": str(MODEL_CACHE),
            },
        }
        for name, keys in (sections or {}).items():
            values.setdefault(name, {}).update(keys)
        config = write_config(directory / "instance", port, database_url, **values)
        # The GPU host's config: the queue, the bucket and the model; no [database] at all.
        gpu_config = write_config(directory / "gpu-host", port, "", **values)
        gpu_config.write_text(
            "\n".join(line for line in gpu_config.read_text().splitlines() if not line.startswith('url = ""'))
            + "\n"
        )
        assert "postgresql" not in gpu_config.read_text()

        settings = load_settings(config)
        engine = make_engine(settings)
        migrate(engine)
        engine.dispose()
        setup = build_runtime(settings)
        ensure_system_accounts(setup)
        with setup.db.session() as session:
            for name in users:
                create_local_account(
                    session,
                    setup.urls,
                    username=name,
                    email=f"{name}@example.org",
                    password=password,
                    passwords=setup.passwords,
                )
        setup.close()

        world = Topology(
            directory, config, gpu_config, f"http://{domain}", domain, database_url, redis, s3, bucket, queue,
            media_base_url,
        )  # fmt: skip
        for index, serve_port in enumerate(serve_ports):
            process = Process(f"serve{index}", config, ["serve", "--port", str(serve_port)], _serve_ready)
            stack.callback(process.stop)
            world.serves.append(process.start())
        for index in range(WORKERS):
            process = Process(f"worker{index}", config, ["worker"], _consumer_ready(redis.url, queue))
            stack.callback(process.stop)
            world.workers.append(process.start())
        world.gpu = Process(
            "gpu-worker", gpu_config, ["gpu-worker"], _consumer_ready(redis.url, f"{queue}gpu")
        )
        stack.callback(world.gpu.stop)
        world.gpu.start(timeout=180)
        prefix = directory / "nginx"
        web = nginx.Nginx(
            nginx.main_config(prefix, _nginx_body(port, serve_ports, s3, bucket, prefix)), world.url
        )
        stack.callback(web.stop)
        world.web = web.start()
        yield world

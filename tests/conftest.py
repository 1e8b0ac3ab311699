"""Fixtures shared by the whole suite.

Every test that takes `settings` (or anything built on it) runs twice: on SQLite, and on
PostgreSQL when one answers at 127.0.0.1:5432 (skipped with the reason otherwise).
"""

from __future__ import annotations

import itertools
import os

# Before anything imports huggingface_hub, which reads it once: tests never reach a model hub.
os.environ["HF_HUB_OFFLINE"] = "1"
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text

from activitypub.signatures.keys import generate_rsa_private_key_pem
from activitypub.testing import FakeRemote
from fedi.composition import build_runtime
from fedi.config import Settings, load_settings
from fedi.db import TransactionTracker, make_engine, migrate
from fedi.jobs.gpu_engine import GpuEngine
from fedi.models.accounts import Account
from fedi.models.base import metadata
from fedi.runtime import Runtime
from fedi.security.passwords import Passwords
from fedi.services.accounts import create_local_account
from fedi.services.system import ensure_system_accounts
from tests.support.s3 import CREDENTIALS, S3Server, moto_server

# Property tests: a bounded number of examples in the suite; `--hypothesis-profile fuzz` runs
# many more (FEDI_FUZZ_EXAMPLES, default 20000). See docs/DEVELOPMENT.md.
hypothesis_settings.register_profile("suite", max_examples=200, deadline=None, database=None)
hypothesis_settings.register_profile(
    "fuzz", max_examples=int(os.environ.get("FEDI_FUZZ_EXAMPLES", "20000")), deadline=None, database=None
)
hypothesis_settings.load_profile("suite")

PG_ADMIN_URL = os.environ.get("FEDI_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TEST_DOMAIN = "fedi.test"
MODEL_CACHE = Path(tempfile.gettempdir()) / f"fedi-test-models-{os.getuid()}"


@pytest.fixture
def anyio_backend() -> str:
    # SQLAlchemy's asyncio layer, sse-starlette and huey's helpers are asyncio-only.
    return "asyncio"


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's FEDI_* variables must not leak into tests."""
    for name in list(os.environ):
        if name.startswith("FEDI_") and name != "FEDI_TEST_POSTGRES":
            monkeypatch.delenv(name)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _no_network_in_transactions(request: pytest.FixtureRequest) -> Iterator[None]:
    """Any remote request started while a database transaction was open fails the test, even
    when the code under test caught the NetworkInTransaction error (fedi.db.TransactionTracker)."""
    before = TransactionTracker.refused_total
    yield
    refused = TransactionTracker.refused_total - before
    if request.node.get_closest_marker("network_in_transaction") is None:
        assert refused == 0, (
            f"{refused} remote request(s) started inside a database transaction (see the log)"
        )


@pytest.fixture(scope="session")
def _key_pool() -> list[str]:
    return [generate_rsa_private_key_pem() for _ in range(6)]


@pytest.fixture(autouse=True)
def _fast_keys(monkeypatch: pytest.MonkeyPatch, _key_pool: list[str]) -> None:
    """Local accounts take keys from a pool made once per session (RSA keygen is slow)."""
    keys = itertools.cycle(_key_pool)
    for module in ("fedi.services.accounts", "fedi.services.system"):
        monkeypatch.setattr(f"{module}.generate_rsa_private_key_pem", lambda: next(keys))


def _postgres_problem() -> str | None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'fedi[postgres]')"
    engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 2})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        return f"no PostgreSQL at {PG_ADMIN_URL.split('@')[-1]} ({type(exc).__name__})"
    finally:
        engine.dispose()
    return None


class _Backends:
    """Migrated template databases, built once per session and reset per test."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self._sqlite_template: Path | None = None
        self._pg_url: str | None = None
        self._pg_problem: str | bool | None = False

    def sqlite(self, data_dir: Path) -> str:
        if self._sqlite_template is None:
            template_dir = self.tmp / "sqlite-template"
            template_dir.mkdir(mode=0o700)
            settings = load_settings(data_dir=template_dir)
            engine = make_engine(settings)
            migrate(engine)
            engine.dispose()
            self._sqlite_template = template_dir / "fedi.sqlite3"
        target = data_dir / "fedi.sqlite3"
        shutil.copyfile(self._sqlite_template, target)
        target.chmod(0o600)  # as fedi makes it (docs/SECURITY.md)
        return f"sqlite:///{target}"

    def postgres(self) -> str:
        if self._pg_problem is False:
            self._pg_problem = _postgres_problem()
        if self._pg_problem:
            pytest.skip(f"PostgreSQL run skipped: {self._pg_problem}")
        if self._pg_url is None:
            name = f"fedi_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            self._pg_url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
            engine = create_engine(self._pg_url)
            migrate(engine)
            engine.dispose()
        else:
            self._truncate(self._pg_url)
        return self._pg_url

    @staticmethod
    def _truncate(url: str) -> None:
        engine = create_engine(url)
        tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()

    def close(self) -> None:
        if self._pg_url is None:
            return
        name = self._pg_url.rsplit("/", 1)[1]
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Backends]:
    backends = _Backends(tmp_path_factory.mktemp("databases"))
    yield backends
    backends.close()


@pytest.fixture(scope="session")
def databases(_backends: _Backends) -> _Backends:
    """Migrated databases for tests that build several instances themselves."""
    return _backends


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, _backends: _Backends, tmp_path: Path) -> str:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700, exist_ok=True)
    if request.param == "sqlite":
        return _backends.sqlite(data_dir)
    return _backends.postgres()


def make_test_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database": {"url": database_url},
        "instance": {"domain": TEST_DOMAIN, "https": True},
        # The tiny random pipeline, built once per run into a shared cache.
        "generation": {"preset": "tiny", "cache_dir": str(MODEL_CACHE)},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(values.get(key), dict):
            values[key] = {**values[key], **value}
        else:
            values[key] = value
    return load_settings(None, **values)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_test_settings(tmp_path / "data", database_url)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3-compatible server, started once per run on a loopback port."""
    with moto_server() as server:
        yield server


@pytest.fixture
def bucket(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A fresh bucket, with credentials in the environment: the `media` settings that use it."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    return {"backend": "s3", "bucket": s3_server.new_bucket(), "endpoint": s3_server.endpoint}


@pytest.fixture
def remote() -> FakeRemote:
    """Other servers: actors, WebFinger and inboxes served in memory (no network)."""
    return FakeRemote()


@pytest.fixture(scope="session")
def gpu_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GpuEngine]:
    """One GPU engine for the run, handed to the runtimes tests build: the tiny model loads once
    (on the first image a test makes), not once per runtime."""
    engine = GpuEngine(make_test_settings(tmp_path_factory.mktemp("gpu"), "sqlite://"))
    yield engine
    engine.close()


@pytest.fixture
def runtime(settings: Settings, remote: FakeRemote, gpu_engine: GpuEngine) -> Iterator[Runtime]:
    runtime = build_runtime(
        settings,
        immediate_jobs=True,
        transport=remote.transport(),
        gpu=gpu_engine,
        passwords=Passwords.light(),
    )
    ensure_system_accounts(runtime)
    yield runtime
    runtime.close()


@pytest.fixture
def local_account(runtime: Runtime) -> Account:
    with runtime.db.session() as session:
        return create_local_account(
            session,
            runtime.urls,
            username="alice",
            email="alice@example.org",
            password="correct horse",
            passwords=runtime.passwords,
        )


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    from fedi.app import create_app

    app = create_app(runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=runtime.settings.base_url) as client:
        yield client

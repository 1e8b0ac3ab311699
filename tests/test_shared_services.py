"""The services several processes share: the documented Redis configuration (rate limits counted
in Redis), streaming events crossing from one runtime to another over Redis or PostgreSQL, and
`fedi doctor` naming the service that fails."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from activitypub.testing import FakeRemote
from fedi.app import create_app
from fedi.composition import build_runtime
from fedi.config import Settings, load_settings
from fedi.doctor import run_checks
from fedi.runtime import Runtime
from fedi.streaming import RelayBroadcaster
from tests.conftest import _Backends, make_test_settings
from tests.support import redis as redis_support
from tests.support.s3 import S3Server


@pytest.fixture
def redis_url() -> str:
    return redis_support.service_url()


def _runtime(settings: Settings) -> Runtime:
    return build_runtime(settings, immediate_jobs=True, transport=FakeRemote().transport())


async def _create_app(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post(
        "/api/v1/apps", data={"client_name": "limits", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    )


async def test_the_documented_redis_configuration_counts_rate_limits_across_processes(
    tmp_path: Path, databases: _Backends, redis_url: str
) -> None:
    # OPERATIONS.md's configuration: streaming on Redis. Two runtimes stand for two `fedi serve`.
    name = redis_support.unique_name()
    runtimes = []
    for index in range(2):
        data_dir = tmp_path / f"serve{index}"
        data_dir.mkdir()
        settings = make_test_settings(
            data_dir,
            databases.sqlite(data_dir),
            instance={"domain": f"{name}.test", "https": True},
            streaming={"backend": "redis", "redis_url": redis_url},
            api={"rate_limit": 3},
        )
        runtimes.append(_runtime(settings))
    try:
        answers = []
        for runtime in (runtimes[0], runtimes[1], runtimes[0], runtimes[1]):
            transport = httpx.ASGITransport(app=create_app(runtime))
            async with httpx.AsyncClient(transport=transport, base_url=runtime.settings.base_url) as client:
                answers.append(await _create_app(client))
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a.headers["x-ratelimit-remaining"] for a in answers[:3]] == ["2", "1", "0"]
        assert answers[3].json() == {"error": "Too many requests"}
    finally:
        for runtime in runtimes:
            runtime.close()
        redis_support.forget(redis_url, f"fedi:limits:{name}.test*", f"*{name}*")


async def _cross_process_event(publisher: Runtime, listener: Runtime) -> tuple[str, dict[str, Any]]:
    assert isinstance(listener.broadcaster, RelayBroadcaster)
    async with listener.broadcaster.subscribe(["user:42"]) as subscription:
        # Published from a worker thread, as services and job bodies publish.
        await asyncio.to_thread(publisher.broadcaster.publish, "user:42", {"event": "update", "status_id": 7})
        await asyncio.to_thread(publisher.broadcaster.publish, "user:43", {"event": "update", "status_id": 8})
        return await asyncio.wait_for(subscription.get(), timeout=10)


async def test_an_event_published_by_one_process_reaches_another_over_redis(
    tmp_path: Path, databases: _Backends, redis_url: str
) -> None:
    name = redis_support.unique_name()
    runtimes = []
    for index in range(2):
        data_dir = tmp_path / f"p{index}"
        data_dir.mkdir()
        settings = make_test_settings(
            data_dir,
            databases.sqlite(data_dir),
            instance={"domain": f"{name}.test", "https": True},
            streaming={"redis_url": redis_url},  # "auto" picks Redis when a URL is set
        )
        runtimes.append(_runtime(settings))
    try:
        assert runtimes[0].settings.streaming_backend == "redis"
        received = await _cross_process_event(runtimes[0], runtimes[1])
        assert received == ("user:42", {"event": "update", "status_id": 7})
    finally:
        for runtime in runtimes:
            runtime.close()


@pytest.mark.postgres
async def test_an_event_published_by_one_process_reaches_another_over_postgresql(
    tmp_path: Path, databases: _Backends
) -> None:
    url = databases.postgres()
    runtimes = []
    for index in range(2):
        data_dir = tmp_path / f"p{index}"
        data_dir.mkdir()
        runtimes.append(_runtime(make_test_settings(data_dir, url)))
    try:
        # No Redis configured and a PostgreSQL database: "auto" uses LISTEN/NOTIFY.
        assert runtimes[0].settings.streaming_backend == "postgres"
        received = await _cross_process_event(runtimes[0], runtimes[1])
        assert received == ("user:42", {"event": "update", "status_id": 7})
    finally:
        for runtime in runtimes:
            runtime.close()


def test_sqlite_without_redis_streams_in_memory(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.streaming_backend == "memory"


def _doctor(settings: Settings) -> tuple[bool, str]:
    lines: list[str] = []
    ok = run_checks(settings, echo=lines.append)
    return ok, "\n".join(lines)


def test_doctor_checks_redis_and_the_bucket_and_names_what_fails(
    tmp_path: Path, databases: _Backends, redis_url: str, s3_server: S3Server, bucket: dict[str, str]
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database = databases.sqlite(data_dir)
    healthy = make_test_settings(
        data_dir,
        database,
        generation={"enabled": False},
        streaming={"redis_url": redis_url},
        media=bucket,
    )
    ok, report = _doctor(healthy)
    assert ok, report
    assert "[ok  ] redis: redis://127.0.0.1:6379/0 answers" in report
    assert f"[ok  ] media storage: bucket {bucket['bucket']!r}" in report and "written and deleted" in report
    assert "[ok  ] streaming: Redis pub/sub" in report
    assert s3_server.keys(bucket["bucket"]) == []  # the probe was deleted

    broken = make_test_settings(
        data_dir,
        database,
        generation={"enabled": False},
        streaming={"redis_url": "redis://127.0.0.1:1/0"},
        media={**bucket, "bucket": "no-such-bucket"},
    )
    ok, report = _doctor(broken)
    assert not ok
    assert "[FAIL] redis: redis://127.0.0.1:1/0 does not answer" in report
    assert "[FAIL] media storage: cannot write and delete a file in bucket 'no-such-bucket'" in report
    assert "AWS_ACCESS_KEY_ID" in report  # the fix names where credentials come from

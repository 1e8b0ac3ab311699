"""Media in an S3-compatible bucket (moto's server): uploads, avatars and generated images land in
the bucket, never on the web host's disk, and are served from `media.base_url` or streamed by fedi.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from activitypub.testing import FakeRemote
from fedi.app import create_app
from fedi.composition import build_runtime
from fedi.convert import to_mastodon
from fedi.jobs.gpu_engine import GpuEngine
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.security.passwords import Passwords
from fedi.services import statuses
from fedi.services.accounts import create_local_account
from fedi.services.system import ensure_system_accounts
from fedi.store.views import status_view
from tests.api.conftest import Caller, image_bytes, issue_token
from tests.conftest import _Backends, make_test_settings
from tests.support.s3 import S3Server

CDN = "https://cdn.fedi.test/media"


def _runtime(
    tmp_path: Path, backends: _Backends, media: dict[str, str], gpu: GpuEngine | None = None
) -> Runtime:
    # Storage does not depend on the database: SQLite only keeps these tests cheap.
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    settings = make_test_settings(data_dir, backends.sqlite(data_dir), media=media)
    runtime = build_runtime(
        settings,
        immediate_jobs=True,
        transport=FakeRemote().transport(),
        gpu=gpu,
        passwords=Passwords.light(),
    )
    ensure_system_accounts(runtime)
    return runtime


@pytest.fixture
def s3_runtime(tmp_path: Path, databases: _Backends, bucket: dict[str, str]) -> Iterator[Runtime]:
    runtime = _runtime(tmp_path, databases, bucket)
    yield runtime
    runtime.close()


@pytest.fixture
def cdn_runtime(
    tmp_path: Path, databases: _Backends, bucket: dict[str, str], gpu_engine: GpuEngine
) -> Iterator[Runtime]:
    runtime = _runtime(tmp_path, databases, {**bucket, "base_url": CDN}, gpu_engine)
    yield runtime
    runtime.close()


async def _client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url=runtime.settings.base_url) as client:
        yield client


def _caller(runtime: Runtime) -> Caller:
    with runtime.db.session() as session:
        account = create_local_account(
            session,
            runtime.urls,
            username="alice",
            email="alice@example.org",
            password="correct horse",
            passwords=runtime.passwords,
        )
    return Caller(account, issue_token(runtime, account))


def _local_files(runtime: Runtime) -> list[Path]:
    return [p for p in runtime.settings.media_dir.rglob("*") if p.is_file()]


async def test_uploads_land_in_the_bucket_and_fedi_streams_them(
    s3_runtime: Runtime, s3_server: S3Server
) -> None:
    alice = _caller(s3_runtime)
    bucket = s3_runtime.settings.media.bucket
    async for client in _client(s3_runtime):
        response = await client.post(
            "/api/v2/media",
            files={"file": ("photo.png", image_bytes("PNG", (64, 48)), "image/png")},
            headers=alice.auth,
        )
        assert response.status_code == 200, response.text
        media = response.json()
        key = media["url"].removeprefix("https://fedi.test/media/")
        preview = media["preview_url"].removeprefix("https://fedi.test/media/")
        assert sorted([key, preview]) == s3_server.keys(bucket)
        assert _local_files(s3_runtime) == []  # nothing on the web host's disk

        served = await client.get(f"/media/{key}")
        assert served.status_code == 200
        assert served.content == s3_server.get(bucket, key).content
        assert served.headers["content-type"] == "image/png"
        assert int(served.headers["content-length"]) == len(served.content)
        assert "immutable" in served.headers["cache-control"]
        # The bucket's own copy carries the type and caching headers, for a CDN or public bucket.
        direct = s3_server.get(bucket, key)
        assert direct.headers["content-type"] == "image/png"

        assert (await client.get("/media/attachments/1/missing.png")).status_code == 404
        assert (await client.get("/media/../secret_key")).status_code == 404
        assert (await client.get("/media/Attachments/UPPER.png")).status_code == 404


async def test_with_a_base_url_clients_are_sent_to_the_cdn_and_avatars_go_to_the_bucket(
    cdn_runtime: Runtime, s3_server: S3Server
) -> None:
    alice = _caller(cdn_runtime)
    bucket = cdn_runtime.settings.media.bucket
    async for client in _client(cdn_runtime):
        response = await client.patch(
            "/api/v1/accounts/update_credentials",
            files={"avatar": ("me.png", image_bytes("PNG", (80, 80)), "image/png")},
            headers=alice.auth,
        )
        assert response.status_code == 200, response.text
        avatar = response.json()["avatar"]
        assert avatar.startswith(f"{CDN}/avatars/")
        assert s3_server.keys(bucket) == [avatar.removeprefix(f"{CDN}/")]

        # A second avatar replaces the first, in the bucket too.
        response = await client.patch(
            "/api/v1/accounts/update_credentials",
            files={"avatar": ("me.png", image_bytes("PNG", (90, 90)), "image/png")},
            headers=alice.auth,
        )
        assert s3_server.keys(bucket) == [response.json()["avatar"].removeprefix(f"{CDN}/")]
        assert _local_files(cdn_runtime) == []


def test_a_generated_image_is_stored_by_the_worker_and_the_post_points_at_the_bucket(
    cdn_runtime: Runtime, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[dict[str, object]] = []
    enqueue = cdn_runtime.jobs.enqueue

    def spy(name: str, *args: object, **kwargs: object) -> None:
        if name == "generation_finished":
            sent.append(dict(args[1]))  # type: ignore[call-overload]
        enqueue(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cdn_runtime.jobs, "enqueue", spy)
    with cdn_runtime.db.session() as session:
        author: Account = create_local_account(
            session,
            cdn_runtime.urls,
            username="alice",
            email="a@example.org",
            password="correct horse",
            passwords=cdn_runtime.passwords,
        )
    with cdn_runtime.db.session() as session:
        status = statuses.create(
            session, cdn_runtime, author, statuses.StatusDraft(text="/imagine a kite --seed 3")
        )
    with cdn_runtime.db.reader() as session:
        view = status_view(session, status, None)
    [media] = view.media
    # The worker wrote both files itself; the queue carried only the record, not the bytes.
    [result] = sent
    assert result["original"] is None and result["thumbnail"] is None and int(str(result["size"])) > 0
    keys = s3_server.keys(cdn_runtime.settings.media.bucket)
    assert len(keys) == 2 and all(k.startswith("generated/") for k in keys)
    original = s3_server.get(cdn_runtime.settings.media.bucket, keys[0])
    assert original.headers["content-type"] == "image/webp"
    assert _local_files(cdn_runtime) == []
    # The post's attachment is served from the CDN in front of the bucket.
    entity = to_mastodon.media(media, cdn_runtime.urls)
    assert entity["url"] == f"{CDN}/{media.file_key}" and media.file_key in keys

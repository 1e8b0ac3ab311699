"""Remote posts' images are copied into media storage and served from here, as on Mastodon;
`fedi media prune` removes the copies and clients get the original URLs again."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlmodel import select
from typer.testing import CliRunner

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.app import create_app
from fedi.cli import app as cli
from fedi.composition import build_runtime
from fedi.config import Settings
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services.system import ensure_system_accounts
from tests.api.conftest import image_bytes
from tests.conftest import make_test_settings
from tests.federation.helpers import create, note, post_activity
from tests.support.s3 import S3Server

BOB = "https://remote.test/users/bob"
PICTURE = "https://remote.test/system/media/1/original.png"


@pytest.fixture
def bob(remote: FakeRemote) -> str:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    return BOB


def _image_post(number: int, url: str = PICTURE) -> dict[str, Any]:
    attachment = {"type": "Document", "mediaType": "image/png", "url": url, "name": "a teal square"}
    return create(BOB, note(BOB, f"{BOB}/statuses/{number}", "<p>look</p>", attachment=[attachment]))


async def _deliver_and_show(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, activity: dict[str, Any]
) -> dict[str, Any]:
    response = await post_activity(client, activity, remote.key_pair(BOB))
    assert response.status_code == 202, response.text
    with runtime.db.reader() as session:
        status = session.exec(select(Status).where(Status.uri == activity["object"]["id"])).one()
    shown = await client.get(f"/api/v1/statuses/{status.id}")
    assert shown.status_code == 200, shown.text
    [attachment] = shown.json()["media_attachments"]
    return dict(attachment)


async def test_a_remote_image_is_served_from_media_storage_after_delivery(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, bob: str
) -> None:
    remote.add_object(PICTURE, image_bytes("PNG", (800, 600)), content_type="image/png")
    attachment = await _deliver_and_show(client, runtime, remote, _image_post(1))
    assert attachment["remote_url"] == PICTURE
    assert attachment["url"].startswith(f"{runtime.settings.base_url}/media/cache/")
    assert attachment["preview_url"].startswith(f"{runtime.settings.base_url}/media/cache/")
    assert attachment["description"] == "a teal square"
    assert attachment["meta"]["original"]["width"] == 800
    served = await client.get(attachment["url"])
    assert served.status_code == 200
    assert Image.open(io.BytesIO(served.content)).size == (800, 600)
    preview = await client.get(attachment["preview_url"])
    assert max(Image.open(io.BytesIO(preview.content)).size) <= 640
    # One fetch of the image, unsigned, through the same client as every other remote request.
    fetches = [r for r in remote.requests if str(r.url) == PICTURE]
    assert len(fetches) == 1 and "signature" not in fetches[0].headers


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html>not an image</html>", "text/html"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png"),  # a broken PNG
    ],
)
async def test_what_is_not_an_image_stays_remote(
    client: httpx.AsyncClient,
    runtime: Runtime,
    remote: FakeRemote,
    bob: str,
    body: bytes,
    content_type: str,
) -> None:
    remote.add_object(PICTURE, body, content_type=content_type)
    attachment = await _deliver_and_show(client, runtime, remote, _image_post(2))
    assert attachment["url"] == PICTURE and attachment["remote_url"] == PICTURE
    assert not list((runtime.settings.media_dir / "cache").glob("**/*.*"))


async def test_an_image_over_the_upload_limit_is_not_downloaded_whole(
    tmp_path: Path, database_url: str, remote: FakeRemote, bob: str
) -> None:
    settings = make_test_settings(tmp_path / "data", database_url, media={"max_upload_bytes": 4096})
    remote.add_object(
        PICTURE, image_bytes("PNG", (900, 900), color="red") + b"\0" * 8192, content_type="image/png"
    )
    runtime = build_runtime(settings, immediate_jobs=True, transport=remote.transport())
    ensure_system_accounts(runtime)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(runtime)), base_url=settings.base_url
        ) as client:
            attachment = await _deliver_and_show(client, runtime, remote, _image_post(3))
    finally:
        runtime.close()
    assert attachment["url"] == PICTURE


async def test_prune_removes_the_copies_and_clients_fall_back_to_the_original(
    client: httpx.AsyncClient,
    runtime: Runtime,
    remote: FakeRemote,
    bob: str,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    remote.add_object(PICTURE, image_bytes("PNG", (400, 300)), content_type="image/png")
    cached = await _deliver_and_show(client, runtime, remote, _image_post(4))
    assert cached["url"] != PICTURE
    stored = sum(p.stat().st_size for p in (settings.media_dir / "cache").glob("**/*.*"))
    assert stored > 0

    config = settings.data_dir / "config.toml"
    config.write_text(
        f'data_dir = "{settings.data_dir}"\n[database]\nurl = "{settings.database.url}"\n'
        f'[instance]\ndomain = "{settings.instance.domain}"\n'
    )
    result = CliRunner().invoke(cli, ["--config", str(config), "media", "prune", "--older-than", "0d"])
    assert result.exit_code == 0, result.output
    assert f"removed 1 cached remote image(s), {stored:,d} bytes freed" in result.output
    assert not list((settings.media_dir / "cache").glob("**/*.*"))
    with runtime.db.reader() as session:
        status = session.exec(select(Status).where(Status.uri == f"{BOB}/statuses/4")).one()
    shown = (await client.get(f"/api/v1/statuses/{status.id}")).json()
    [attachment] = shown["media_attachments"]
    assert attachment["url"] == PICTURE and attachment["remote_url"] == PICTURE
    assert (await client.get(cached["url"])).status_code == 404


def test_prune_needs_an_age_it_can_read(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["media", "prune", "--older-than", "a week"])
    assert result.exit_code == 2
    assert "--older-than must be a number of days, hours or minutes" in result.output


@pytest.fixture
def s3_runtime(
    tmp_path: Path, database_url: str, bucket: dict[str, str], remote: FakeRemote
) -> Iterator[Runtime]:
    settings = make_test_settings(tmp_path / "data", database_url, media=bucket)
    runtime = build_runtime(settings, immediate_jobs=True, transport=remote.transport())
    ensure_system_accounts(runtime)
    yield runtime
    runtime.close()


async def test_with_a_bucket_the_cached_image_lands_in_the_bucket(
    s3_runtime: Runtime, s3_server: S3Server, bucket: dict[str, str], remote: FakeRemote, bob: str
) -> None:
    remote.add_object(PICTURE, image_bytes("PNG", (320, 240)), content_type="image/png")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(s3_runtime)), base_url=s3_runtime.settings.base_url
    ) as client:
        attachment = await _deliver_and_show(client, s3_runtime, remote, _image_post(5))
        served = await client.get(attachment["url"])
    keys = s3_server.keys(bucket["bucket"])
    assert len([k for k in keys if k.startswith("cache/")]) == 2  # the copy and its thumbnail
    assert served.status_code == 200 and served.content.startswith(b"\x89PNG")
    assert not (s3_runtime.settings.media_dir / "cache").exists()


async def test_an_edit_keeps_the_copy_of_an_image_it_still_carries_and_drops_the_others(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, bob: str, settings: Settings
) -> None:
    remote.add_object(PICTURE, image_bytes("PNG", (200, 100)), content_type="image/png")
    first = await _deliver_and_show(client, runtime, remote, _image_post(6))

    def edit(number: int, url: str) -> dict[str, Any]:
        edited = _image_post(6, url)["object"] | {
            "updated": f"2026-11-2{number}T10:00:00Z",
            "content": "<p>edited</p>",
        }
        return {**create(BOB, edited, f"{BOB}/statuses/6#updates/{number}"), "type": "Update"}

    same = await _deliver_and_show(client, runtime, remote, edit(1, PICTURE))
    assert same["url"] == first["url"]  # the copy is kept, not fetched again
    assert len([r for r in remote.requests if str(r.url) == PICTURE]) == 1

    other = "https://remote.test/system/media/2/original.png"
    remote.add_object(other, image_bytes("PNG", (120, 90), color="navy"), content_type="image/png")
    changed = await _deliver_and_show(client, runtime, remote, edit(2, other))
    assert changed["remote_url"] == other and changed["url"] != first["url"]
    assert (await client.get(first["url"])).status_code == 404  # the dropped copy's files are gone
    assert len(list((settings.media_dir / "cache").glob("**/*.*"))) == 2

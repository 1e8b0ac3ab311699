"""Media uploads: cleaned, oriented, thumbnailed and blurhashed; bad files refused, nothing kept."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import func
from sqlmodel import select

from fedi.models.media import MediaAttachment
from fedi.runtime import Runtime
from tests.api.conftest import Caller, image_bytes


def jpeg_with_gps_and_rotation() -> bytes:
    """A 40x20 JPEG whose EXIF says "rotate 90°" and carries a GPS position and XMP."""
    image = Image.new("RGB", (40, 20), "orange")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif.get_ifd(0x8825)[2] = (52.0, 31.0, 0.0)  # GPSLatitude
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, xmp=b"<x:xmpmeta>secret place</x:xmpmeta>")
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height pixels in a few hundred bytes (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 4096)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def media_rows(runtime: Runtime) -> int:
    with runtime.db.reader() as session:
        return session.exec(select(func.count()).select_from(MediaAttachment)).one()


def stored_files(runtime: Runtime) -> list[Path]:
    return [p for p in runtime.settings.media_dir.rglob("*") if p.is_file()]


async def upload(
    client: httpx.AsyncClient, caller: Caller, data: bytes, name: str = "photo.jpg", **fields: str
) -> httpx.Response:
    return await client.post(
        "/api/v2/media", files={"file": (name, data, "image/jpeg")}, data=fields, headers=caller.auth
    )


async def test_uploads_are_cleaned_oriented_and_described(
    client: httpx.AsyncClient, alice: Caller, runtime: Runtime
) -> None:
    response = await upload(
        client, alice, jpeg_with_gps_and_rotation(), description="A sunset", focus="0.5,-0.25"
    )
    assert response.status_code == 200, response.text
    media = response.json()
    assert media["type"] == "image" and media["description"] == "A sunset"
    assert media["meta"]["original"] == {"width": 20, "height": 40, "size": "20x40", "aspect": 0.5}
    assert media["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    assert media["blurhash"] and media["url"].startswith("https://fedi.test/media/attachments/")
    assert media["preview_url"] != media["url"]

    stored = runtime.settings.media_dir / media["url"].removeprefix("https://fedi.test/media/")
    data = stored.read_bytes()
    assert b"secret place" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (20, 40) and not image.getexif()

    served = await client.get(media["url"].removeprefix("https://fedi.test"))
    assert served.status_code == 200 and served.content == data
    shown = await client.get(f"/api/v1/media/{media['id']}", headers=alice.auth)
    assert shown.status_code == 200 and shown.json()["id"] == media["id"]
    updated = await client.put(
        f"/api/v1/media/{media['id']}", json={"description": "A sunrise", "focus": "0,0"}, headers=alice.auth
    )
    assert updated.json()["description"] == "A sunrise" and updated.json()["meta"]["focus"] == {
        "x": 0.0,
        "y": 0.0,
    }


async def test_formats_are_kept_sensible(client: httpx.AsyncClient, alice: Caller) -> None:
    for fmt, expected in (("PNG", ".png"), ("WEBP", ".webp"), ("GIF", ".png"), ("JPEG", ".jpg")):
        response = await client.post(
            "/api/v1/media",
            files={"file": (f"x.{fmt}", image_bytes(fmt), "application/octet-stream")},
            headers=alice.auth,
        )
        assert response.status_code == 200, (fmt, response.text)
        assert response.json()["url"].endswith(expected)


async def test_a_big_image_gets_a_small_preview(client: httpx.AsyncClient, alice: Caller) -> None:
    media = (await upload(client, alice, image_bytes("JPEG", (2000, 1000)))).json()
    assert media["meta"]["small"]["width"] == 640 and media["meta"]["small"]["height"] == 320


async def test_media_belongs_to_its_owner(client: httpx.AsyncClient, alice: Caller, bob: Caller) -> None:
    media = (await upload(client, alice, image_bytes("JPEG"))).json()
    assert (await client.get(f"/api/v1/media/{media['id']}", headers=bob.auth)).status_code == 404
    taken = await client.put(f"/api/v1/media/{media['id']}", json={"description": "mine"}, headers=bob.auth)
    assert taken.status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"%PDF-1.7 definitely not an image", id="not-an-image"),
        pytest.param(image_bytes("JPEG", (400, 300))[:600], id="truncated-jpeg"),
        pytest.param(image_bytes("PNG", (400, 300), "white")[:-40], id="truncated-png"),
        pytest.param(png_header_only(50_000, 50_000), id="50000x50000-png"),
        pytest.param(png_header_only(8_000, 5_000), id="over-the-pixel-limit"),
        pytest.param(png_header_only(0, 10), id="no-pixels"),
    ],
)
async def test_bad_files_are_refused_and_nothing_is_kept(
    client: httpx.AsyncClient, alice: Caller, runtime: Runtime, data: bytes
) -> None:
    assert len(data) < 20_000
    response = await upload(client, alice, data)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "file"
    assert media_rows(runtime) == 0 and stored_files(runtime) == []


async def test_too_many_bytes_are_refused(client: httpx.AsyncClient, alice: Caller, runtime: Runtime) -> None:
    runtime.settings.media.max_upload_bytes = 2048
    response = await upload(client, alice, image_bytes("PNG", (400, 400), "white") + b"\x00" * 4096)
    assert response.status_code in (413, 422)
    assert media_rows(runtime) == 0


async def test_media_being_made_has_no_url_until_ready(
    client: httpx.AsyncClient, alice: Caller, runtime: Runtime
) -> None:
    generation = {"model": "stabilityai/sd-turbo", "prompt": "a lighthouse at dusk", "seed": 42, "steps": 1}
    with runtime.db.session() as session:
        item = MediaAttachment(account_id=alice.account.id, state="processing", generation=generation)
        session.add(item)
    waiting = await client.get(f"/api/v1/media/{item.id}", headers=alice.auth)
    assert waiting.status_code == 206
    assert waiting.json()["url"] is None and waiting.json()["fedi_generation"] == generation

    with runtime.db.session() as session:
        ready = session.get(MediaAttachment, item.id)
        assert ready is not None
        ready.state, ready.file_key, ready.width, ready.height = "ready", "attachments/1/made.webp", 512, 512
        session.add(ready)
    done = await client.get(f"/api/v1/media/{item.id}", headers=alice.auth)
    assert done.status_code == 200 and done.json()["url"] == "https://fedi.test/media/attachments/1/made.webp"
    status = await client.post(
        "/api/v1/statuses", json={"status": "made here", "media_ids": [str(item.id)]}, headers=alice.auth
    )
    assert status.json()["fedi_generation"] == generation
    assert status.json()["media_attachments"][0]["fedi_generation"] == generation
    plain = (await upload(client, alice, image_bytes("JPEG"))).json()
    assert "fedi_generation" not in plain


async def test_unattached_media_can_be_deleted(client: httpx.AsyncClient, alice: Caller, bob: Caller) -> None:
    async def upload() -> dict:
        answer = await client.post(
            "/api/v2/media", files={"file": ("a.png", image_bytes(), "image/png")}, headers=alice.auth
        )
        return dict(answer.json())

    loose, posted = await upload(), await upload()
    await client.post(
        "/api/v1/statuses", json={"status": "with", "media_ids": [posted["id"]]}, headers=alice.auth
    )
    file_path = loose["url"].removeprefix("https://fedi.test")
    assert (await client.get(file_path)).status_code == 200
    assert (await client.delete(f"/api/v1/media/{loose['id']}", headers=bob.auth)).status_code == 404
    assert (await client.delete(f"/api/v1/media/{loose['id']}", headers=alice.auth)).json() == {}
    assert (await client.get(f"/api/v1/media/{loose['id']}", headers=alice.auth)).status_code == 404
    assert (await client.get(file_path)).status_code == 404  # the file went too
    attached = await client.delete(f"/api/v1/media/{posted['id']}", headers=alice.auth)
    assert attached.status_code == 422 and "error" in attached.json()

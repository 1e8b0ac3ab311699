"""`fedi media copy --to s3`: the local media directory into the bucket, resumable after a failure."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from fedi.cli import app as cli
from fedi.media.storage import LocalStorage, S3Storage
from tests.support.processes import write_config
from tests.support.s3 import S3Server


def test_media_copy_resumes_where_it_stopped(
    tmp_path: Path, s3_server: S3Server, bucket: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    media = {"bucket": bucket["bucket"], "endpoint": bucket["endpoint"]}
    config = write_config(tmp_path, 8000, "", media=media)
    local = LocalStorage(tmp_path / "data" / "media")
    files = {f"attachments/{n}/file{n}.webp": bytes([n]) * (1000 + n) for n in range(6)}
    files["generated/9/original.webp"] = b"\x00" * (3 << 20)  # several MB: streamed from disk
    for key, data in files.items():
        local.put(key, data)

    # The first run dies after two uploads (a network failure, a Ctrl-C).
    put_file = S3Storage.put_file
    uploads: list[str] = []

    def failing(self: S3Storage, key: str, path: Path) -> None:
        if len(uploads) == 2:
            raise ConnectionError("the bucket went away")
        uploads.append(key)
        put_file(self, key, path)

    monkeypatch.setattr(S3Storage, "put_file", failing)
    first = CliRunner().invoke(cli, ["--config", str(config), "media", "copy", "--to", "s3"])
    assert first.exit_code == 1 and "run it again to resume" in first.output
    assert len(s3_server.keys(bucket["bucket"])) == 2

    monkeypatch.setattr(S3Storage, "put_file", put_file)
    second = CliRunner().invoke(cli, ["--config", str(config), "media", "copy", "--to", "s3"])
    assert second.exit_code == 0, second.output
    assert "2 already in the bucket, 5 to copy" in second.output
    assert s3_server.keys(bucket["bucket"]) == sorted(files)
    for key, data in files.items():
        assert s3_server.get(bucket["bucket"], key).content == data

    third = CliRunner().invoke(cli, ["--config", str(config), "media", "copy", "--to", "s3"])
    assert third.exit_code == 0 and "7 already in the bucket, 0 to copy" in third.output

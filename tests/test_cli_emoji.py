"""`fedi emoji add|list|remove`: the local custom emoji, in the configured media storage."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from fedi.config import load_settings
from tests.test_cli import _invoke, config_file  # noqa: F401  (the fixture)


def test_emoji_commands(config_file: Path, tmp_path: Path) -> None:  # noqa: F811
    assert _invoke(config_file, "migrate")[0] == 0
    image = tmp_path / "blob.gif"
    Image.new("RGB", (40, 40), "orange").save(image, format="GIF")
    code, output = _invoke(config_file, "emoji", "add", "blobcat", str(image), "--category", "Blobs")
    assert code == 0 and "added :blobcat:" in output, output
    media = load_settings(config_file).media_dir
    stored = list((media / "emojis").rglob("*.png"))
    assert len(stored) == 1 and stored[0].read_bytes().startswith(b"\x89PNG")

    code, output = _invoke(config_file, "emoji", "list")
    assert code == 0 and output.startswith(":blobcat:\tBlobs\thttp") and stored[0].name in output

    code, output = _invoke(config_file, "emoji", "add", "blobcat", str(image))
    assert code == 1 and "exists already" in output
    code, output = _invoke(config_file, "emoji", "add", "x", str(image))
    assert code == 1 and "2 to 64 letters, digits or underscores" in output
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    code, output = _invoke(config_file, "emoji", "add", "notes", str(text))
    assert code == 1 and "not an image" in output
    assert _invoke(config_file, "emoji", "add", "missing", str(tmp_path / "nope.png"))[0] == 2

    code, output = _invoke(config_file, "emoji", "remove", ":blobcat:")
    assert code == 0 and "removed :blobcat:" in output
    assert not stored[0].exists()
    assert "no custom emoji yet" in _invoke(config_file, "emoji", "list")[1]
    code, output = _invoke(config_file, "emoji", "remove", "blobcat")
    assert code == 1 and "no local emoji :blobcat:" in output

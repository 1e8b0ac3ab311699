"""Uploaded images made safe to store and serve: checked, decoded, oriented, re-encoded.

Limits come first: bytes, then the pixel count from the header, before any pixel is decoded (a
65535x65535 PNG fits in a few kilobytes). Decoding keeps the first frame; EXIF orientation is
applied and every piece of metadata (EXIF, GPS, XMP, ICC, comments) is dropped by re-encoding a
bare image. CPU-heavy: call it from a worker thread, never on the event loop.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from blurhash._functions import ffi as _ffi  # the C encoder (see blurhash_of)
from blurhash._functions import lib as _lib
from PIL import Image, ImageOps, UnidentifiedImageError, features

from fedi.errors import Unprocessable

# Pillow format → the type and extension we store it as (GIFs keep their first frame, as PNG).
_OUTPUT = {
    "JPEG": ("JPEG", "image/jpeg", "jpg"),
    "MPO": ("JPEG", "image/jpeg", "jpg"),
    "PNG": ("PNG", "image/png", "png"),
    "GIF": ("PNG", "image/png", "png"),
    "WEBP": ("WEBP", "image/webp", "webp"),
    "AVIF": ("WEBP", "image/webp", "webp"),
}
_INPUT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
if features.check("avif"):
    _INPUT_TYPES["AVIF"] = "image/avif"
SUPPORTED_TYPES = tuple(_INPUT_TYPES.values())
# Multi-picture JPEGs (phone cameras) open through the JPEG plugin and report "MPO".
_READABLE = list(_INPUT_TYPES)
THUMBNAIL_SIDE = 640
BLURHASH_SIDE = 100
AVATAR_SIZE = (400, 400)
HEADER_SIZE = (1500, 500)


@dataclass(frozen=True)
class Encoded:
    data: bytes
    mime_type: str
    extension: str
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedImage:
    original: Encoded
    thumbnail: Encoded
    blurhash: str


def _refuse(problem: str) -> Unprocessable:
    return Unprocessable(f"file {problem}", field="file")


def decode(data: bytes, *, max_bytes: int, max_pixels: int) -> tuple[Image.Image, str]:
    """The first frame, upright and without metadata, and the Pillow format it came in."""
    if not data:
        raise _refuse("is empty")
    if len(data) > max_bytes:
        raise _refuse(f"is larger than {max_bytes // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb guard warns between 89 and 179 megapixels: a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=_READABLE)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("is not an image fedi accepts (JPEG, PNG, GIF, WebP)") from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise _refuse("is not a readable image") from None
    width, height = image.size
    if width < 1 or height < 1:
        raise _refuse("has no pixels")
    if width * height > max_pixels:
        raise _refuse(f"has more than {max_pixels} pixels ({width}x{height})")
    source_format = image.format or ""
    try:
        image.seek(0)
        image.load()
        upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        raise _refuse("is truncated or damaged") from None
    return _bare(upright, _OUTPUT[source_format][0]), source_format


def input_type(source_format: str) -> str:
    """The media type of an image `decode` read in `source_format`."""
    return _INPUT_TYPES.get(source_format, _OUTPUT[source_format][1])


def _bare(image: Image.Image, output_format: str) -> Image.Image:
    """Pixels only, in a mode the output format takes: no EXIF, XMP, ICC, text or palette."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if output_format == "JPEG" or not has_alpha:
        mode = "L" if image.mode in ("1", "L", "I;16", "I") else "RGB"
    else:
        mode = "RGBA"
    converted = image.convert(mode)
    clean = Image.new(mode, converted.size)
    clean.paste(converted)
    return clean


def encode(image: Image.Image, source_format: str, *, quality: int = 90) -> Encoded:
    output_format, mime_type, extension = _OUTPUT[source_format]
    buffer = io.BytesIO()
    options = {"quality": quality} if output_format in ("JPEG", "WEBP") else {}
    image.save(buffer, format=output_format, **options)
    return Encoded(buffer.getvalue(), mime_type, extension, image.width, image.height)


def process(
    data: bytes, *, max_bytes: int, max_pixels: int, crop_to: tuple[int, int] | None = None
) -> ProcessedImage:
    """An upload as a clean original, a thumbnail (≤ 640 px) and its blurhash.

    `crop_to` crops and scales to an exact size (avatars and headers)."""
    image, source_format = decode(data, max_bytes=max_bytes, max_pixels=max_pixels)
    if crop_to is not None and (image.width, image.height) != crop_to:
        image = ImageOps.fit(image, crop_to)
    thumbnail = image.copy()
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    return ProcessedImage(
        original=encode(image, source_format),
        thumbnail=encode(thumbnail, source_format, quality=80),
        blurhash=blurhash_of(thumbnail),
    )


def blurhash_of(image: Image.Image) -> str:
    """Blurhash with 4x3 components, from a copy of at most 100 px (the encoder costs pixels x
    components; a bigger copy changes nothing visible).

    It calls blurhash-python's C encoder directly: its `encode` wrapper reads pixels with
    `Image.getdata`, deprecated in Pillow 13, and closes the image it is given."""
    small = image.convert("RGB")
    small.thumbnail((BLURHASH_SIDE, BLURHASH_SIDE))
    width, height = small.size
    pixels = _ffi.from_buffer("uint8_t[]", small.tobytes())
    out = _ffi.new("char[]", 2 + 4 + (9 * 9 - 1) * 2 + 1)
    result = _lib.create_hash_from_pixels(4, 3, width, height, pixels, width * 3, out)
    if result == _ffi.NULL:
        raise ValueError("blurhash could not be computed")
    return str(_ffi.string(result).decode())

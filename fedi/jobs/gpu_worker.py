"""The GPU side of generation: parameters in, encoded images out, no database.

Runs in `fedi gpu-worker` processes (started by `fedi serve` in the embedded mode). Each job
thread submits its request to the runtime's GenerationEngine (`rt.gpu`, see
fedi.jobs.gpu_engine), whose single GPU thread batches compatible requests; encoding (WebP with provenance XMP, preview, blurhash) happens back
in the job thread, off the GPU thread. Results and progress go back on the main queue.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fedi.config import Settings
from fedi.hooks import load_hook
from fedi.jobs.gpu_engine import GpuEngine
from fedi.media.content_credentials import signing_identity

if TYPE_CHECKING:
    from PIL import Image

    from activitypub.client import FederationClient
    from fedi.media.storage import MediaStorage
    from generation.credentials import Ingredient
    from generation.engine import GenerationEngine
    from generation.types import GeneratedImage

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.25
THUMBNAIL_SIDE = 640


@dataclass(frozen=True)
class Lineage:
    """Where the image will be served, and the image it remixes (for its Content Credentials)."""

    original_url: str
    source: Ingredient | None = None
    licence: str | None = None


def source_image(
    storage: MediaStorage, http: FederationClient, settings: Settings, source: dict[str, str]
) -> Ingredient | None:
    """The image a remix names or an edit starts from: from media storage when this host can
    read it there, else fetched from its URL through the federation client (its address checks
    and time budget), and in either case checked like an upload (size and pixel limits)."""
    from activitypub.errors import FetchError
    from fedi.errors import FediError
    from fedi.media import images
    from generation.credentials import Ingredient

    limits = settings.media
    try:
        if source.get("key"):
            data = storage.read(source["key"])
        elif source.get("url"):
            data, _ = http.fetch_media(source["url"], max_bytes=limits.max_upload_bytes)
        else:
            return None
        _, found_format = images.decode(data, max_bytes=limits.max_upload_bytes, max_pixels=limits.max_pixels)
    except (OSError, ValueError, KeyError, FetchError, FediError) as exc:
        log.info("the image of %s is not readable here (%s)", source.get("uri"), exc)
        return None
    except Exception:
        # A GPU host without the database cannot check domain blocks before a fetch, say.
        log.warning("the image of %s could not be read here", source.get("uri"), exc_info=True)
        return None
    mime_type = images.input_type(found_format)
    return Ingredient(data, mime_type, source["uri"], relationship=source.get("relationship", "componentOf"))


def make_image(
    engine: GenerationEngine,
    settings: Settings,
    payload: dict[str, Any],
    owner: str,
    on_progress: Callable[[int, int], None],
    lineage: Lineage,
) -> dict[str, Any]:
    """Generate and encode one image on `engine` (the runtime's, `rt.gpu.get()`); returns the
    FinishedImage fields (see services.generations)."""
    from generation.types import GenerationRequest, Progress

    last = [0.0]

    def progress(update: Progress) -> None:
        now = time.monotonic()
        if update.step == update.total or now - last[0] >= PROGRESS_INTERVAL_S:
            last[0] = now
            on_progress(update.step, update.total)

    handle = engine.submit(GenerationRequest(**payload), owner=owner, on_progress=progress)
    made = handle.result()
    return encode(settings, made, lineage)


def encode(settings: Settings, made: GeneratedImage, lineage: Lineage) -> dict[str, Any]:
    from generation.credentials import Ingredient, sign_derivative, sign_generated
    from generation.provenance import encode_webp

    flagged = _image_check(settings)(made.image)
    preview, preview_width, preview_height, blurhash = _preview(made.image)
    original = encode_webp(made.image, made.params, instance=settings.instance.domain)
    # Content Credentials: the original says how it was made; the preview that it is a resized
    # copy of the original (named by its URL).
    identity = signing_identity(settings).signing
    original = sign_generated(
        original, "image/webp", made.params, identity, ingredient=lineage.source, licence=lineage.licence
    )
    original_ingredient = Ingredient(original, "image/webp", lineage.original_url)
    preview = sign_derivative(preview, "image/webp", original_ingredient, identity)
    return {
        "original": original,
        "thumbnail": preview,
        "size": len(original),
        "blurhash": blurhash,
        "width": made.image.width,
        "height": made.image.height,
        "thumbnail_width": preview_width,
        "thumbnail_height": preview_height,
        "params": made.params.to_dict() | ({"licence": lineage.licence} if lineage.licence else {}),
        "seconds": made.seconds,
        "flagged": flagged,
    }


def _preview(image: Image.Image) -> tuple[bytes, int, int, str]:
    from fedi.media.images import blurhash_of

    preview = image.copy()
    preview.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    buffer = io.BytesIO()
    preview.save(buffer, format="WEBP", quality=80)
    return buffer.getvalue(), preview.width, preview.height, blurhash_of(preview)


def _image_check(settings: Settings) -> Callable[[Image.Image], str | None]:
    """The operator's image check (`generation.image_check`), as `image -> reason or None`."""
    path = settings.generation.image_check
    if not path:
        return lambda image: None
    check = load_hook(path)

    def run(image: Image.Image) -> str | None:
        verdict = check(image)
        if getattr(verdict, "flagged", False):
            return str(getattr(verdict, "reason", None) or "flagged by the image check")
        return None

    return run


def generate_to_file(
    settings: Settings,
    prompt: str,
    output: Path,
    *,
    negative: str = "",
    seed: int | None = None,
    steps: int | None = None,
    width: int | None = None,
    height: int | None = None,
) -> dict[str, Any]:
    """`fedi generate`: one image made here, with a progress bar, written with its provenance."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from fedi.errors import ServiceUnavailable, Unprocessable
    from fedi.services.generations import Ask, build
    from generation.credentials import sign_generated
    from generation.errors import GenerationError
    from generation.provenance import encode_png, encode_webp
    from generation.types import Progress as Step

    if output.suffix.lower() not in (".webp", ".png"):
        raise Unprocessable("the output file must end in .webp or .png", field="output")
    request = build(settings, Ask(prompt, negative, None, width, height, steps, None, seed))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    with Progress(*columns) as bar:
        loading = bar.add_task("loading model", total=1.0)

        def on_load(name: str, stage: str, fraction: float) -> None:
            bar.update(loading, completed=fraction, description=f"loading {name}: {stage}")

        denoise = bar.add_task("generating", total=request.steps, visible=False)

        def on_step(step: Step) -> None:
            bar.update(loading, completed=1.0)
            bar.update(denoise, completed=step.step, total=step.total, visible=True)

        # A one-off command: its own engine, closed when the image is made.
        engine = GpuEngine(settings, on_load=on_load)
        try:
            made = engine.get().submit(request, owner="cli", on_progress=on_step).result()
        except GenerationError as exc:
            raise ServiceUnavailable(str(exc)) from None
        finally:
            engine.close()
    png = output.suffix.lower() == ".png"
    data = (encode_png if png else encode_webp)(made.image, made.params, instance=settings.instance.domain)
    identity = signing_identity(settings).signing
    output.write_bytes(sign_generated(data, "image/png" if png else "image/webp", made.params, identity))
    return made.params.to_dict()

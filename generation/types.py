"""The library's plain data: requests, what was used, progress. No torch here.

The web process imports this module to validate requests, so it must stay light.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from generation.errors import InvalidRequest

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["GeneratedImage", "GenerationParams", "GenerationRequest", "Progress"]


@dataclass(frozen=True)
class GenerationRequest:
    """What a user asked for; check it with `presets.validate_request` before queueing.

    `negative_prompt` is keyword-only so the positional order stays prompt, preset, size, steps,
    guidance, seed.
    """

    prompt: str
    preset: str
    width: int
    height: int
    steps: int
    guidance: float
    seed: int
    negative_prompt: str = field(default="", kw_only=True)
    # An edit: the image to start from (PNG/WebP/JPEG bytes, resized to width x height) and how
    # much of it to change (0 keeps it, 1 ignores it). None: text to image.
    init_image: bytes | None = field(default=None, kw_only=True, repr=False)
    strength: float | None = field(default=None, kw_only=True)


_INT_FIELDS = ("seed", "steps", "width", "height")
_STR_FIELDS = ("model", "preset", "prompt", "negative_prompt", "sampler")


@dataclass(frozen=True)
class GenerationParams:
    """What was actually used to make an image: the provenance record.

    `to_dict` keys are stable snake_case; they are written into the file's XMP, the ActivityPub
    object and the API entity, so renaming one is a format change.
    """

    model: str
    preset: str
    prompt: str
    negative_prompt: str
    seed: int
    steps: int
    guidance: float
    width: int
    height: int
    sampler: str
    versions: Mapping[str, str] = field(default_factory=dict, hash=False)
    # Set for an edit (image to image): how much of the starting image was changed.
    strength: float | None = None

    def to_dict(self) -> dict[str, object]:
        edit: dict[str, object] = {} if self.strength is None else {"strength": self.strength}
        return edit | {
            "model": self.model,
            "preset": self.preset,
            "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            "seed": self.seed,
            "steps": self.steps,
            "guidance": self.guidance,
            "width": self.width,
            "height": self.height,
            "sampler": self.sampler,
            "versions": dict(self.versions),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> GenerationParams:
        """Parse a record written by `to_dict`, possibly by another instance.

        Raises `InvalidRequest` naming the first missing or mistyped field.
        """
        strings = {name: _get(data, name, str) for name in _STR_FIELDS}
        ints = {name: _get(data, name, int) for name in _INT_FIELDS}
        guidance = _get(data, "guidance", float)
        if not math.isfinite(guidance):
            raise InvalidRequest("guidance", "must be a finite number")
        versions = data.get("versions", {})
        if not isinstance(versions, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in versions.items()
        ):
            raise InvalidRequest("versions", "must map package names to version strings")
        strength = _get(data, "strength", float) if data.get("strength") is not None else None
        if strength is not None and not 0.0 <= strength <= 1.0:
            raise InvalidRequest("strength", "must be between 0 and 1")
        return cls(
            model=strings["model"],
            preset=strings["preset"],
            prompt=strings["prompt"],
            negative_prompt=strings["negative_prompt"],
            seed=ints["seed"],
            steps=ints["steps"],
            guidance=guidance,
            width=ints["width"],
            height=ints["height"],
            sampler=strings["sampler"],
            versions=dict(versions),
            strength=strength,
        )


_T = TypeVar("_T", str, int, float)


def _get(data: Mapping[str, object], name: str, kind: type[_T]) -> _T:
    value = data.get(name)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return kind(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InvalidRequest(name, f"must be a {kind.__name__}")
    return value


@dataclass(frozen=True)
class Progress:
    """Denoising progress of one request: `step` of `total` steps are done."""

    step: int
    total: int

    @property
    def fraction(self) -> float:
        return self.step / self.total if self.total > 0 else 1.0


@dataclass(frozen=True)
class GeneratedImage:
    """One image and the parameters that made it.

    `seconds` is the wall time of the pipeline call that produced it, shared by every image of
    its batch of `batch_size`.
    """

    image: Image.Image
    params: GenerationParams
    seconds: float
    batch_size: int = 1

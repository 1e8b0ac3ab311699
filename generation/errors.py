"""Every error the generation library raises on purpose.

    GenerationError(Exception)
    ├── InvalidRequest      a request field is out of range; names the field and the range
    ├── PromptRefused       the instance's prompt policy said no; carries a reason for the user
    ├── ModelUnavailable    weights are not on disk and cannot be fetched; says what to download
    ├── LicenceNotAccepted  the preset's licence needs the operator's acceptance in config
    ├── DeviceUnavailable   the configured device (cuda, cuda:1, mps) is not present
    ├── OutOfMemory         the accelerator ran out of memory; says what to lower
    └── Cancelled           the request was cancelled before its image was delivered

Messages are single sentences meant to be shown as they are: to the requester for
`InvalidRequest`, `PromptRefused` and `Cancelled`, to the operator for the others.
"""

from __future__ import annotations

__all__ = [
    "Cancelled",
    "DeviceUnavailable",
    "GenerationError",
    "InvalidRequest",
    "LicenceNotAccepted",
    "ModelUnavailable",
    "OutOfMemory",
    "PromptRefused",
]


class GenerationError(Exception):
    """Base class of the library's errors."""


class InvalidRequest(GenerationError):
    """A request field is invalid; `field` names it, the message states what is allowed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class PromptRefused(GenerationError):
    """The prompt policy refused the prompt; `reason` is safe to show to the requester."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ModelUnavailable(GenerationError):
    """The weights of a preset are neither on disk nor reachable on the hub."""

    def __init__(self, message: str, *, preset: str, source: str) -> None:
        super().__init__(message)
        self.preset = preset
        self.source = source


class LicenceNotAccepted(GenerationError):
    """The preset's licence must be accepted by the operator before its weights are loaded."""

    def __init__(self, preset: str, licence: str, url: str) -> None:
        super().__init__(
            f"preset {preset!r} is distributed under the {licence} ({url}); read it and, if the "
            f"instance may use it, accept it in the config: "
            f'generation.accept_licences = ["{preset}"]'
        )
        self.preset = preset
        self.licence = licence
        self.url = url


class DeviceUnavailable(GenerationError):
    """The configured device cannot be used on this machine."""


class OutOfMemory(GenerationError):
    """The accelerator ran out of memory while generating."""

    def __init__(self, *, device: str, batch_size: int, width: int, height: int) -> None:
        super().__init__(
            f"{device} ran out of memory generating {batch_size} image(s) of {width}x{height}; "
            "lower generation.max_batch or the image size, enable generation.cpu_offload, "
            "or pick a smaller preset"
        )
        self.device = device
        self.batch_size = batch_size
        self.width = width
        self.height = height


class Cancelled(GenerationError):
    """The request was cancelled; no image will be delivered for it."""

    def __init__(self, message: str = "the generation request was cancelled") -> None:
        super().__init__(message)

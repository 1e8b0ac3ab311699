"""Which device and dtype to run on: CUDA in bf16 (fp16 on older GPUs), MPS in fp16, CPU in fp32."""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch

from generation.errors import DeviceUnavailable, InvalidRequest

__all__ = [
    "DTYPES",
    "DeviceChoice",
    "choose_device",
    "memory_gb",
    "needs_offload",
]

DTYPES = ("float32", "float16", "bfloat16")
_DEVICE = re.compile(r"auto|cpu|mps|cuda(:\d+)?")


@dataclass(frozen=True)
class DeviceChoice:
    """A torch device string ("cuda:0", "cpu") and the name of the dtype to load weights in."""

    device: str
    dtype: str

    @property
    def torch_dtype(self) -> torch.dtype:
        dtype: torch.dtype = getattr(torch, self.dtype)
        return dtype

    @property
    def is_cuda(self) -> bool:
        return self.device.startswith("cuda")


def choose_device(preference: str = "auto", dtype: str | None = None) -> DeviceChoice:
    """Resolve a configured device ("auto", "cpu", "cuda", "cuda:1", "mps") and dtype.

    Raises `InvalidRequest` for a value that is not a device or dtype name at all, and
    `DeviceUnavailable` for a device this machine does not have.
    """
    if not _DEVICE.fullmatch(preference):
        raise InvalidRequest("device", 'must be "auto", "cpu", "cuda", "cuda:N" or "mps"')
    if dtype is not None and dtype not in DTYPES:
        raise InvalidRequest("dtype", f"must be one of {', '.join(DTYPES)}")
    device = _pick(preference)
    return DeviceChoice(device, dtype or _default_dtype(device))


def _pick(preference: str) -> str:
    if preference == "auto":
        if torch.cuda.is_available():
            return f"cuda:{torch.cuda.current_device()}"
        return "mps" if torch.backends.mps.is_available() else "cpu"
    if preference.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceUnavailable(
                f"device {preference!r} is not available: this torch build sees no CUDA GPU "
                f"(torch {torch.__version__}, CUDA {torch.version.cuda or 'not compiled in'}); "
                'install a CUDA build of torch or set generation.device = "cpu"'
            )
        index = int(preference.partition(":")[2] or torch.cuda.current_device())
        if index >= torch.cuda.device_count():
            raise DeviceUnavailable(
                f"device {preference!r} is not available: this machine has "
                f"{torch.cuda.device_count()} CUDA GPU(s), numbered from 0"
            )
        return f"cuda:{index}"
    if preference == "mps" and not torch.backends.mps.is_available():
        raise DeviceUnavailable(
            'device "mps" is not available: it needs Apple silicon and a torch build with MPS; '
            'set generation.device = "cpu"'
        )
    return preference


def _default_dtype(device: str) -> str:
    if device.startswith("cuda"):
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    return "float16" if device == "mps" else "float32"


def memory_gb(device: DeviceChoice) -> float | None:
    """Total memory of a CUDA device in GiB (None for CPU and MPS, whose memory is the system's)."""
    if not device.is_cuda:
        return None
    return float(torch.cuda.get_device_properties(torch.device(device.device)).total_memory) / 2**30


def needs_offload(device: DeviceChoice, preset_vram_gb: float) -> bool:
    """Whether a preset that wants `preset_vram_gb` with everything on the GPU must offload."""
    total = memory_gb(device)
    return total is not None and total < preset_vram_gb

"""How fast this machine's device multiplies matrices, to estimate seconds per image.

A short dense matmul (bf16 on GPUs, fp32 on CPU) gives the device's rate R in TFLOP/s; a
preset's compute per image divided by R is a floor on its time per image (real runs add
attention, memory traffic and the VAE's convolutions, so expect 1.5-3x that).
"""

from __future__ import annotations

import time

import torch

from generation.device import DeviceChoice

__all__ = ["matmul_tflops", "seconds_per_image"]


def matmul_tflops(device: DeviceChoice, *, budget_s: float = 0.5) -> float:
    """Measured dense matmul rate of `device`, in TFLOP/s (a fraction of a second of work)."""
    side = 4096 if device.is_cuda else 1024
    dtype = device.torch_dtype if device.is_cuda else torch.float32
    a = torch.randn(side, side, device=device.device, dtype=dtype)
    b = torch.randn(side, side, device=device.device, dtype=dtype)
    torch.matmul(a, b)  # warm-up: kernels, allocator
    _sync(device)
    runs, started = 0, time.perf_counter()
    while runs == 0 or time.perf_counter() - started < budget_s:
        torch.matmul(a, b)
        runs += 1
        _sync(device)
    seconds = time.perf_counter() - started
    return 2 * side**3 * runs / seconds / 1e12


def seconds_per_image(tflop_per_image: float, tflops: float) -> float:
    """The compute-bound floor on seconds per image at `tflops`."""
    return tflop_per_image / tflops if tflops > 0 else float("inf")


def _sync(device: DeviceChoice) -> None:
    if device.is_cuda:
        torch.cuda.synchronize()

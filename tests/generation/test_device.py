"""Device and dtype choice."""

from __future__ import annotations

import re

import pytest
import torch

from generation.device import DeviceChoice, choose_device
from generation.errors import DeviceUnavailable, InvalidRequest


def test_cpu_defaults_to_float32_and_dtype_overrides() -> None:
    assert choose_device("cpu") == DeviceChoice("cpu", "float32")
    assert choose_device("cpu", "bfloat16").torch_dtype is torch.bfloat16
    assert not choose_device("cpu").is_cuda


def test_auto_picks_what_the_machine_has() -> None:
    choice = choose_device()
    if torch.cuda.is_available():
        assert choice.is_cuda
        assert choice.dtype in ("bfloat16", "float16")
    elif not torch.backends.mps.is_available():
        assert choice == DeviceChoice("cpu", "float32")


@pytest.mark.parametrize(("device", "dtype", "field"), [("tpu", None, "device"), ("cpu", "int8", "dtype")])
def test_nonsense_is_invalid(device: str, dtype: str | None, field: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        choose_device(device, dtype)
    assert info.value.field == field


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
@pytest.mark.parametrize("device", ["cuda", "cuda:1"])
def test_missing_gpu_is_a_clear_error(device: str) -> None:
    with pytest.raises(DeviceUnavailable, match=re.escape('generation.device = "cpu"')):
        choose_device(device)

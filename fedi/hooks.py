"""Operator-supplied functions named in the config as `package.module:function`."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=16)
def load_hook(path: str) -> Callable[..., Any]:
    """`package.module:function` → the function (ValueError naming the path when missing)."""
    module_name, _, attribute = path.partition(":")
    try:
        function: Callable[..., Any] = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError(f"cannot load {path!r}: {exc}") from None
    if not callable(function):
        raise ValueError(f"{path!r} is not callable")
    return function

"""Case-insensitive access to HTTP headers given as any ``Mapping[str, str]``."""

from __future__ import annotations

from collections.abc import Mapping


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Lower-cased names; values of names that differ only in case are joined with ``, ``."""
    result: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        result[key] = f"{result[key]}, {value}" if key in result else value
    return result

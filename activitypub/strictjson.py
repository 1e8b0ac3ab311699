"""Parsing untrusted JSON: strict RFC 8259, shallow, and free of what databases refuse.

``json.loads`` accepts ``NaN`` and lone surrogate escapes, and raises ``RecursionError`` (not a
``ValueError``) on deep nesting; each of those later breaks something far from the parser (a
database insert, ``json.dumps``, a recursive walk). orjson refuses the first two and nests at
most 1,024 levels; here the nesting is capped much lower, and NUL characters (which PostgreSQL
text columns refuse) are refused too. Everything that does not pass raises FormatError.
"""

from __future__ import annotations

from typing import Any

import orjson

from .errors import FormatError

# ActivityStreams documents nest a handful of levels (activity → object → attachment → url).
MAX_DEPTH = 64


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH, allow_nul: bool = False) -> Any:
    """The decoded value; FormatError for invalid JSON, too deep a nesting, or a NUL character
    (unless `allow_nul`: a caller that checks its text fields one by one, naming them)."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise FormatError(f"Invalid JSON: {exc}") from None
    _check(value, max_depth, allow_nul)
    return value


def _check(root: Any, max_depth: int, allow_nul: bool) -> None:
    # Iterative: a recursive walk is what deep nesting is meant to break.
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if not allow_nul and "\x00" in value:
                raise FormatError("Invalid JSON: NUL character in a string")
        elif isinstance(value, dict | list):
            if depth > max_depth:
                raise FormatError(f"Invalid JSON: nested deeper than {max_depth} levels")
            if isinstance(value, dict):
                for key, item in value.items():
                    if not allow_nul and "\x00" in key:
                        raise FormatError("Invalid JSON: NUL character in a key")
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)

"""Waiting for something another process does: poll until it is there, or fail saying what."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def eventually(
    check: Callable[[], Any],
    timeout: float = 30.0,
    what: str | Callable[[], str] = "",
    *,
    interval: float = 0.25,
    ignoring: tuple[type[BaseException], ...] = (),
    logs: Callable[[], str] | None = None,
) -> Any:
    """`check()`'s first truthy answer within `timeout` seconds. Errors of the `ignoring` types
    count as "not yet" (e.g. a 404 before the post arrives). On timeout the AssertionError names
    `what` (a string, or a function that describes the state reached) and appends `logs()`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except ignoring:
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            said = what() if callable(what) else what
            extra = f"\n{logs()}" if logs is not None else ""
            raise AssertionError(f"timed out waiting for {said or check}{extra}")
        time.sleep(interval)

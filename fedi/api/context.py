"""Small helpers every handler uses: the runtime, and running blocking work off the loop."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from starlette.requests import HTTPConnection

from fedi.runtime import Runtime

T = TypeVar("T")


def runtime_of(request: HTTPConnection) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def run_sync(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking work (SQL, signing, Pillow) in a worker thread, keeping the loop free."""
    return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))

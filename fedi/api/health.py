"""GET /healthz: is this process able to serve (database and job engine reachable)?"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from fedi import __version__
from fedi.api.context import run_sync, runtime_of
from fedi.services import health


async def healthz(request: Request) -> JSONResponse:
    report = await run_sync(health.check, runtime_of(request))
    return JSONResponse(
        {"status": "ok" if report.ok else "unavailable", "version": __version__, **report.parts},
        status_code=200 if report.ok else 503,
    )

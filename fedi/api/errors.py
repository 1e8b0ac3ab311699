"""Turning errors into `{"error": ...}` bodies with the right status; never a traceback."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fedi.errors import FediError, OAuthError, TooManyRequests
from fedi.web.pages import error_page

log = logging.getLogger(__name__)


async def fedi_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FediError)
    body: dict[str, str] = {"error": exc.message}
    if exc.field:
        body["field"] = exc.field
    headers = None
    if isinstance(exc, TooManyRequests) and exc.retry_after is not None:
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse(body, status_code=exc.status, headers=headers)


async def oauth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OAuthError)
    headers = {"Cache-Control": "no-store"}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="fedi"'
    body = {"error": exc.error, "error_description": exc.message}
    return JSONResponse(body, status_code=exc.status, headers=headers)


# Paths that machines call: they always get JSON errors, whatever they accept.
MACHINE_PATHS = (
    "/api/",
    "/oauth/token",
    "/oauth/revoke",
    "/oauth/userinfo",
    "/.well-known/",
    "/nodeinfo",
    "/inbox",
    "/users/",
    "/actor",
    "/media/",
    "/healthz",
    "/metrics",
)


def _for_a_browser(request: Request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and "text/html" in request.headers.get("accept", "")
        and not request.url.path.startswith(MACHINE_PATHS)
    )


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    if _for_a_browser(request):
        return error_page(request, exc.status_code, str(exc.detail))
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    if _for_a_browser(request):
        return error_page(request, 500, "Something went wrong on our side")
    return JSONResponse({"error": "Internal server error"}, status_code=500)


HANDLERS = {
    OAuthError: oauth_error,
    FediError: fedi_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}

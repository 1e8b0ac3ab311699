"""Rendering pages with the shared layout, and the headers every page carries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from fedi.api.context import runtime_of
from fedi.web.session import csrf_token, current_user_id

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
# No scripts anywhere; no framing (clickjacking on a consent page); nothing leaks in Referer.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> Response:
    settings = runtime_of(request).settings
    values = {
        "instance_name": settings.instance.name,
        "csrf_token": csrf_token(request),
        "signed_in": current_user_id(request) is not None,
        **(context or {}),
    }
    return TEMPLATES.TemplateResponse(request, template, values, status_code=status_code, headers=HEADERS)

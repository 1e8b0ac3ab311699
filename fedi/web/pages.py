"""Rendering pages with the shared layout, the headers every page carries, and errors as pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from activitypub.vocab import wants_activity_json
from fedi.api.context import runtime_of
from fedi.config import Settings
from fedi.errors import FediError
from fedi.ids import parse_id
from fedi.store.paging import Page
from fedi.web.session import csrf_token, current_user_id, staff_link

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
SIGN_IN = "/auth/sign_in"
TITLES = {403: "Not allowed", 404: "Not found", 422: "Please check the form", 429: "Slow down"}

Handler = Callable[[Request], Awaitable[Response]]


def headers_for(settings: Settings) -> dict[str, str]:
    """Our own scripts and styles only; images also from other servers (remote posts and avatars
    are shown from where they live), over plain http only where federation allows it."""
    images = ["'self'", "https:"]
    if settings.federation.allow_http:
        images.append("http:")
    media = urlsplit(settings.media_base_url)
    images.append(f"{media.scheme}://{media.netloc}")
    return {
        "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"img-src {' '.join(images)}; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> Response:
    """A page in the shared layout. Pass `me` (the signed-in account) to show its links."""
    settings = runtime_of(request).settings
    values = {
        "instance_name": settings.instance.name,
        "csrf_token": csrf_token(request),
        "signed_in": current_user_id(request) is not None,
        "staff_link": staff_link(request),
        "me": None,
        **(context or {}),
    }
    return TEMPLATES.TemplateResponse(
        request, template, values, status_code=status_code, headers=headers_for(settings)
    )


def error_page(request: Request, status: int, message: str) -> Response:
    title = TITLES.get(status, "Something went wrong")
    return render(request, "error.html", {"title": title, "message": message}, status_code=status)


def page(handler: Handler) -> Handler:
    """Errors become pages: an unknown account or post is a 404 page, never JSON or a traceback."""

    @wraps(handler)
    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except FediError as exc:
            message = exc.message
            if exc.status == 404:
                message = "There is nothing here: no such account or post, or it is not public."
            return error_page(request, exc.status, message)

    return run


def sign_in_first(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{SIGN_IN}?{urlencode({'next': target})}", status_code=303)


def paging(request: Request, limit: int) -> Page:
    return Page(limit=limit, max_id=parse_id(request.query_params.get("max_id")))


def next_max_id(ids: list[int], limit: int) -> int | None:
    """Where the next page starts: only when this page was full."""
    return min(ids) if len(ids) >= limit else None


def activity_document(request: Request, acct: str, id_param: str | None = None) -> Response | None:
    """Servers asking a page for ActivityPub JSON (a pasted profile or post link) are sent to
    the document itself, as Mastodon does; browsers get the page."""
    if "@" in acct or not wants_activity_json(request.headers.get("accept", "")):
        return None
    urls = runtime_of(request).urls
    if id_param is None:
        return RedirectResponse(urls.actor(acct), status_code=302)
    status_id = parse_id(request.path_params.get(id_param))
    if status_id is None:
        return None
    return RedirectResponse(urls.status(acct, status_id), status_code=302)

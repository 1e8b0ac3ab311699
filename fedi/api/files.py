"""Serving files: the static assets and media, with the headers that keep a file a file.

Every answer of the application carries `X-Content-Type-Options: nosniff`, so a browser never
guesses a script or a page out of an upload. Media also gets a sandboxing Content-Security-
Policy: even opened directly, a file can run nothing. When `media.base_url` names another host,
the files are served only to requests for that host (another origin: nothing there can read
the instance's cookies or pages), and the instance's own /media/ redirects there.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Host, Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fedi.api import media_files
from fedi.config import Settings

MEDIA_POLICY = "default-src 'none'; sandbox"


class NoSniffMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_nosniff(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).setdefault("X-Content-Type-Options", "nosniff")
            await send(message)

        await self.app(scope, receive, send_with_nosniff)


class _Sandboxed:
    """Media, sandboxed; a missing file is a plain 404 (never a page, so the media origin never
    renders one nor sets the session cookie)."""

    def __init__(self, files: ASGIApp) -> None:
        self.files = files

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_sandboxed(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Content-Security-Policy"] = MEDIA_POLICY
            await send(message)

        try:
            await self.files(scope, receive, send_sandboxed)
        except HTTPException as exc:
            await PlainTextResponse(str(exc.detail), status_code=exc.status_code)(
                scope, receive, send_sandboxed
            )


def _media_files(settings: Settings) -> ASGIApp:
    """The files themselves: the local directory, or streamed from the bucket."""
    if settings.media.backend == "s3":
        return _Sandboxed(Router([Route("/{key:path}", media_files.serve)], default=_not_found))
    return _Sandboxed(StaticFiles(directory=settings.media_dir, check_dir=False))


def media_host_routes(settings: Settings) -> list[BaseRoute]:
    """First in the table: every request for the media host (when there is one) is served media
    or a 404, never a page or the API."""
    if settings.media_host is None:
        return []
    prefix = settings.media_base_url.split("://", 1)[1].partition("/")[2].strip("/")
    files = Mount(f"/{prefix}" if prefix else "", _media_files(settings))
    return [Host(settings.media_host, Router([files], default=_not_found))]


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)


def media_path_routes(settings: Settings) -> list[BaseRoute]:
    """/media/ on the instance: the files, or a permanent redirect to the media host (another
    host name pointed at this server, a CDN, or a public bucket)."""
    if settings.media_host is None:
        return [Mount("/media", _media_files(settings), name="media")]

    async def moved(request: Request) -> Response:
        return RedirectResponse(f"{settings.media_base_url}/{request.path_params['key']}", status_code=301)

    return [Route("/media/{key:path}", moved)]

"""Endpoints clients call at start-up for features fedi does not have (announcements, trending
links). They answer the empty shape of a real answer: a client shows "nothing here" instead of
failing on a 404 (Elk's "For
you" did on Takahē). Those that belong to a user still require a valid token with the right scope.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize, optional_caller
from fedi.api.responses import JSONResponse

Endpoint = Callable[[Request], Awaitable[Response]]


def empty_list(*scopes: str, public: bool = False) -> Endpoint:
    async def handler(request: Request) -> Response:
        if public:
            await optional_caller(request, *scopes)
        else:
            await authorize(request, *scopes)
        return JSONResponse([])

    return handler


announcements = empty_list("read")
trends = empty_list(public=True)

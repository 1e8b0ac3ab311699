"""The notification policy (`/api/v2/notifications/policy`) and notification requests
(`/api/v1/notifications/requests`), as far as fedi has them: every notification is accepted,
so the policy is "accept" for every category, changing it to anything else is refused (422),
and there are never requests waiting. Ice Cubes and Mastodon's web app read both on 4.3."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize
from fedi.api.params import read_params
from fedi.api.responses import JSONResponse
from fedi.errors import NotFound, Unprocessable

CATEGORIES = (
    "for_not_following",
    "for_not_followers",
    "for_new_accounts",
    "for_private_mentions",
    "for_limited_accounts",
)
ACCEPT = "accept"


def _policy() -> dict[str, object]:
    return {key: ACCEPT for key in CATEGORIES} | {
        "summary": {"pending_requests_count": 0, "pending_notifications_count": 0}
    }


async def show(request: Request) -> Response:
    await authorize(request, "read:notifications")
    return JSONResponse(_policy())


async def update(request: Request) -> Response:
    await authorize(request, "write:notifications")
    params = await read_params(request)
    for key in CATEGORIES:
        value = params.text(key, max_length=16)
        if value is not None and value != ACCEPT:
            raise Unprocessable(f"{key}: this server accepts every notification", field=key)
    return JSONResponse(_policy())


async def requests(request: Request) -> Response:
    await authorize(request, "read:notifications")
    return JSONResponse([])


async def merged(request: Request) -> Response:
    await authorize(request, "read:notifications")
    return JSONResponse({"merged": True})


async def one_request(request: Request) -> Response:
    await authorize(request, "read:notifications")
    raise NotFound()

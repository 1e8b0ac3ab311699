"""GET /api/v1/preferences: defaults the user chose, which apps apply when composing."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize
from fedi.api.context import read
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.services import profiles


async def show(request: Request) -> Response:
    caller = await authorize(request, "read:accounts")
    user = await read(request, lambda s: profiles.preferences(s, caller.account_id))
    return JSONResponse(to_mastodon.preferences(user))

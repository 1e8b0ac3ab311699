"""GET /api/v1/custom_emojis: the local set (managed with `fedi emoji`), for the apps' pickers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fedi.api.auth import optional_caller
from fedi.api.context import read
from fedi.api.mastodon.common import urls_of
from fedi.convert import to_mastodon
from fedi.store import emojis as store


async def index(request: Request) -> Response:
    await optional_caller(request)
    found = await read(request, store.local)
    urls = urls_of(request)
    return JSONResponse([to_mastodon.custom_emoji(e, urls) for e in found if e.visible_in_picker])

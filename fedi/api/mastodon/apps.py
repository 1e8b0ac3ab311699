"""POST /api/v1/apps and GET /api/v1/apps/verify_credentials."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize
from fedi.api.context import run_sync, runtime_of, write
from fedi.api.params import read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.security import scopes as scope_rules
from fedi.services import oauth, vapid


async def create_app(request: Request) -> Response:
    params = await read_params(request)
    # One URI, several separated by newlines or spaces (Mastodon.py, toot), or an array.
    uris = [uri for value in params.texts("redirect_uris") for uri in value.split()]
    registered = await write(
        request,
        lambda s: oauth.register_app(
            s,
            name=params.text("client_name", "") or "",
            redirect_uris=uris,
            scopes=scope_rules.parse(" ".join(params.texts("scopes"))),
            website=params.text("website"),
        ),
    )
    return JSONResponse(
        to_mastodon.application(
            registered.application,
            client_secret=registered.client_secret,
            vapid_key=await _vapid_key(request),
        )
    )


async def verify_app(request: Request) -> Response:
    caller = await authorize(request, user=False)
    return JSONResponse(to_mastodon.application(caller.application, vapid_key=await _vapid_key(request)))


async def _vapid_key(request: Request) -> str:
    """The Web Push public key clients subscribe with (made on first use off the event loop)."""
    rt = runtime_of(request)
    return await run_sync(lambda: vapid.keys(rt).public_key)

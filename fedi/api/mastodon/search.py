"""GET /api/v2/search: accounts, statuses and hashtags; `resolve` and `offset` need a token."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import optional_caller
from fedi.api.context import fetch_first, read, runtime_of
from fedi.api.mastodon.common import urls_of
from fedi.api.params import read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.errors import Unauthorized
from fedi.services import resolver
from fedi.services import search as search_service


async def search(request: Request) -> Response:
    caller = await optional_caller(request, "read:search")
    params = await read_params(request)
    resolve, offset = params.flag("resolve"), params.integer("offset", 0, low=0) or 0
    if caller is None and (resolve or offset):
        # Resolving makes the server fetch from others: never on behalf of anonymous callers.
        raise Unauthorized("Search queries that resolve remote resources or page need a token")
    viewer = caller.account if caller else None
    rt = runtime_of(request)
    text = params.text("q", "") or ""
    if resolve:
        # Fetched outside any transaction; what arrives in time is found below.
        fetched = await fetch_first(rt, resolver.start_lookup, text, timeout=resolver.LOOKUP_WAIT_S)
        text = resolver.found_id(text, fetched)

    def run(session: Session) -> search_service.Results:
        return search_service.search(
            session,
            rt,
            viewer,
            text,
            kind=params.text("type"),
            limit=params.integer("limit", 20, low=1, high=40) or 20,
            offset=offset,
            following=params.flag("following"),
        )

    results = await read(request, run)
    urls = urls_of(request)
    return JSONResponse(
        {
            "accounts": [to_mastodon.account(a, urls) for a in results.accounts],
            "statuses": [
                to_mastodon.status(v, urls, viewer.id if viewer else None) for v in results.statuses
            ],
            "hashtags": [to_mastodon.tag(t, urls) for t in results.hashtags],
        }
    )

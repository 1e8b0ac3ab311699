"""Mastodon paging: `max_id`, `since_id`, `min_id`, `limit` in; an RFC 8288 `Link` header out.

`rel="next"` carries `max_id` (older items), `rel="prev"` carries `min_id` (newer ones); the other
query parameters (`local`, `types[]`...) are kept, and the URLs are absolute. Clients (Tusky,
masto.js, Mastodon.py) page by following these links.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from fedi.api.context import runtime_of
from fedi.api.params import Params
from fedi.api.responses import JSONResponse
from fedi.store.paging import Page

BOUNDS = ("max_id", "since_id", "min_id")


def page_of(params: Params, *, default: int = 20, maximum: int = 40) -> Page:
    """The page asked for; an out-of-range limit is clamped, as Mastodon does."""
    limit = params.integer("limit", default)
    return Page(
        limit=min(max(limit or default, 1), maximum),
        max_id=params.id("max_id"),
        since_id=params.id("since_id"),
        min_id=params.id("min_id"),
    )


def link_header(request: Request, paging_ids: Sequence[int]) -> dict[str, str]:
    """Links to the pages around one whose items have these paging ids (newest first)."""
    if not paging_ids:
        return {}
    base = runtime_of(request).urls.base + request.url.path
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in BOUNDS]
    older = urlencode([*kept, ("max_id", str(paging_ids[-1]))])
    newer = urlencode([*kept, ("min_id", str(paging_ids[0]))])
    return {"Link": f'<{base}?{older}>; rel="next", <{base}?{newer}>; rel="prev"'}


def paged(request: Request, items: list[dict[str, Any]], paging_ids: Sequence[int]) -> JSONResponse:
    return JSONResponse(items, headers=link_header(request, paging_ids))

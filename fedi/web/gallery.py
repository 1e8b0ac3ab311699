"""The front door: recent public posts with generated images, as a grid, local or federated."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.context import read, runtime_of
from fedi.services import timelines
from fedi.web import present
from fedi.web.pages import next_max_id, page, paging, render
from fedi.web.session import current_account

PAGE_SIZE = 30
FEEDS = ("local", "federated")


@page
async def gallery(request: Request) -> Response:
    me = await current_account(request)
    feed = request.query_params.get("feed", "local")
    feed = feed if feed in FEEDS else "local"
    paged = paging(request, PAGE_SIZE)
    views = await read(
        request, lambda s: timelines.public(s, me, paged, local=feed == "local", only_media=True)
    )
    urls = runtime_of(request).urls
    after = next_max_id([v.status.id for v in views], PAGE_SIZE)
    return render(
        request,
        "gallery.html",
        {
            "me": me,
            "feed": feed,
            "posts": [present.post(v, urls) for v in views if present.generated(v)],
            "more": f"/?{urlencode({'feed': feed, 'max_id': after})}" if after else None,
            "base_url": urls.base,
        },
    )

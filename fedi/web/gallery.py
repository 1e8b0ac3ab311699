"""The front door: public posts with generated images, as a grid: the newest made here, the
newest from everywhere, or what is trending this week (fedi.services.trends)."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.context import read, runtime_of
from fedi.services import timelines, trends
from fedi.web import present
from fedi.web.pages import next_max_id, page, paging, render
from fedi.web.session import current_account

PAGE_SIZE = 30
FEEDS = ("local", "federated", "trending")
# Trending is ranked, not a timeline: it pages by position, and only so far.
TRENDING_PAGES = 5


@page
async def gallery(request: Request) -> Response:
    me = await current_account(request)
    feed = request.query_params.get("feed", "local")
    feed = feed if feed in FEEDS else "local"
    urls = runtime_of(request).urls
    if feed == "trending":
        number = min(max(_int(request.query_params.get("page")), 1), TRENDING_PAGES)
        views = await read(
            request,
            lambda s: trends.trending(
                s, me, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE, only_media=True
            ),
        )
        full = len(views) == PAGE_SIZE and number < TRENDING_PAGES
        more = f"/?{urlencode({'feed': feed, 'page': number + 1})}" if full else None
    else:
        paged = paging(request, PAGE_SIZE)
        views = await read(
            request, lambda s: timelines.public(s, me, paged, local=feed == "local", only_media=True)
        )
        after = next_max_id([v.status.id for v in views], PAGE_SIZE)
        more = f"/?{urlencode({'feed': feed, 'max_id': after})}" if after else None
    return render(
        request,
        "gallery.html",
        {
            "me": me,
            "feed": feed,
            "posts": [present.post(v, urls) for v in views if present.generated(v)],
            "more": more,
            "base_url": urls.base,
        },
    )


def _int(text: str | None) -> int:
    return int(text) if text and text.isdigit() and len(text) < 6 else 1

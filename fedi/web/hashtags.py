"""A hashtag's page: recent public posts that carry it."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.context import read, runtime_of
from fedi.services import timelines
from fedi.web import present
from fedi.web.pages import next_max_id, page, paging, render
from fedi.web.session import current_account

PAGE_SIZE = 30


@page
async def hashtag(request: Request) -> Response:
    me = await current_account(request)
    urls = runtime_of(request).urls
    name, paged = str(request.path_params["name"]).lstrip("#"), paging(request, PAGE_SIZE)
    views = await read(request, lambda s: timelines.tag(s, me, name, paged))
    after = next_max_id([v.status.id for v in views], PAGE_SIZE)
    return render(
        request,
        "tag.html",
        {
            "me": me,
            "name": name,
            "url": urls.tag(name),
            "posts": [present.post(v, urls) for v in views],
            "more": f"/tags/{quote(name)}?max_id={after}" if after else None,
        },
    )

"""/api/v1/timelines: home, public (local, remote, media only) and hashtag timelines."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize, optional_viewer
from fedi.api.context import read
from fedi.api.mastodon.common import statuses_page
from fedi.api.pagination import page_of
from fedi.api.params import read_params
from fedi.services import timelines


async def home(request: Request) -> Response:
    caller = await authorize(request, "read:statuses")
    page = page_of(await read_params(request))
    viewer = caller.viewer
    views = await read(request, lambda s: timelines.home(s, viewer, page), page=True)
    return statuses_page(request, views, viewer.id)


async def public(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    params = await read_params(request)
    page = page_of(params)
    views = await read(
        request,
        lambda s: timelines.public(
            s,
            viewer,
            page,
            local=params.flag("local"),
            remote=params.flag("remote"),
            only_media=params.flag("only_media"),
        ),
        page=True,
    )
    return statuses_page(request, views, viewer.id if viewer else None)


async def tag(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    params = await read_params(request)
    page, name = page_of(params), str(request.path_params["hashtag"])
    views = await read(
        request,
        lambda s: timelines.tag(
            s, viewer, name, page, local=params.flag("local"), only_media=params.flag("only_media")
        ),
        page=True,
    )
    return statuses_page(request, views, viewer.id if viewer else None)

"""Hashtags: a tag's page header (Elk and Phanpy ask before its timeline), following and
unfollowing one, and the tags one follows."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize, optional_viewer
from fedi.api.context import read, write
from fedi.api.mastodon.common import urls_of
from fedi.api.pagination import page_of, paged
from fedi.api.params import read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.models.statuses import Tag
from fedi.services import search, tag_follows


def _name(request: Request) -> str:
    return str(request.path_params["name"])


async def show(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    name = _name(request)

    def load(session: Session) -> tuple[Tag, bool]:
        found = search.hashtag(session, name)
        return found, tag_follows.following(session, viewer, found)

    found, following = await read(request, load)
    return JSONResponse(to_mastodon.tag(found, urls_of(request), following=following))


async def follow(request: Request) -> Response:
    caller = await authorize(request, "write:follows")
    name = _name(request)
    found = await write(request, lambda s: tag_follows.follow(s, caller.viewer, name))
    return JSONResponse(to_mastodon.tag(found, urls_of(request), following=True))


async def unfollow(request: Request) -> Response:
    caller = await authorize(request, "write:follows")
    name = _name(request)
    found = await write(request, lambda s: tag_follows.unfollow(s, caller.viewer, name))
    return JSONResponse(to_mastodon.tag(found, urls_of(request), following=False))


async def followed(request: Request) -> Response:
    caller = await authorize(request, "read:follows")
    page = page_of(await read_params(request), default=100, maximum=200)
    listed = await read(request, lambda s: tag_follows.followed(s, caller.viewer, page))
    urls = urls_of(request)
    return paged(
        request, [to_mastodon.tag(t, urls, following=True) for _, t in listed], [i for i, _ in listed]
    )

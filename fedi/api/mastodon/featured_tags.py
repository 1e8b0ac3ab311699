"""/api/v1/featured_tags: the hashtags one features on one's profile, suggestions, and another
account's featured tags."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize, optional_caller
from fedi.api.context import read, runtime_of, write
from fedi.api.mastodon.common import urls_of
from fedi.api.params import path_id, read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.models.accounts import Account
from fedi.services import directory, featured_tags
from fedi.store.featured_tags import Featured


async def index(request: Request) -> Response:
    caller = await authorize(request, "read:accounts")
    viewer = caller.viewer
    found = await read(request, lambda s: featured_tags.of_account(s, viewer))
    urls = urls_of(request)
    return JSONResponse([to_mastodon.featured_tag(f, viewer, urls) for f in found])


async def create(request: Request) -> Response:
    caller = await authorize(request, "write:accounts")
    name, rt = (await read_params(request)).text("name", max_length=255), runtime_of(request)
    found = await write(request, lambda s: featured_tags.feature(s, rt, caller.me(s), name))
    return JSONResponse(to_mastodon.featured_tag(found, caller.viewer, urls_of(request)))


async def delete(request: Request) -> Response:
    caller = await authorize(request, "write:accounts")
    featured_id, rt = path_id(request), runtime_of(request)
    await write(request, lambda s: featured_tags.unfeature(s, rt, caller.me(s), featured_id))
    return JSONResponse({})


async def suggestions(request: Request) -> Response:
    caller = await authorize(request, "read:accounts")
    found = await read(request, lambda s: featured_tags.suggestions(s, caller.viewer))
    urls = urls_of(request)
    return JSONResponse([to_mastodon.tag(t, urls) for t in found])


async def of_account(request: Request) -> Response:
    await optional_caller(request, "read:accounts")
    account_id = path_id(request)

    def load(session: Session) -> tuple[Account, list[Featured]]:
        owner = directory.account(session, account_id)
        return owner, featured_tags.of_account(session, owner) if owner.local else []

    owner, found = await read(request, load)
    urls = urls_of(request)
    return JSONResponse([to_mastodon.featured_tag(f, owner, urls) for f in found])

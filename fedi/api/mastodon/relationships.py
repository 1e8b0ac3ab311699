"""Follow requests, blocks and mutes: the lists, and answering follow requests."""

from __future__ import annotations

from dataclasses import asdict

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize
from fedi.api.context import read, runtime_of, write
from fedi.api.mastodon.common import accounts_page
from fedi.api.pagination import page_of
from fedi.api.params import path_id, read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.services import directory, relationships
from fedi.services.relationships import Relationship


async def follow_requests(request: Request) -> Response:
    caller = await authorize(request, "read:follows")
    page = page_of(await read_params(request), default=40, maximum=80)
    return accounts_page(
        request, await read(request, lambda s: directory.follow_requests(s, caller.viewer, page))
    )


async def authorize_request(request: Request) -> Response:
    return await _answer(request, accept=True)


async def reject_request(request: Request) -> Response:
    return await _answer(request, accept=False)


async def _answer(request: Request, *, accept: bool) -> Response:
    caller = await authorize(request, "write:follows")
    follower_id = path_id(request)
    rt = runtime_of(request)

    def answer(session: Session) -> Relationship:
        me = caller.me(session)
        relationships.answer_follow_request(session, rt, me, follower_id, accept=accept)
        return directory.relationships(session, me, [follower_id])[0]

    return JSONResponse(to_mastodon.relationship(asdict(await write(request, answer))))


async def blocks(request: Request) -> Response:
    caller = await authorize(request, "read:blocks")
    page = page_of(await read_params(request), default=40, maximum=80)
    return accounts_page(request, await read(request, lambda s: directory.blocks(s, caller.viewer, page)))


async def mutes(request: Request) -> Response:
    caller = await authorize(request, "read:mutes")
    page = page_of(await read_params(request), default=40, maximum=80)
    return accounts_page(request, await read(request, lambda s: directory.mutes(s, caller.viewer, page)))

"""/api/v1/lists: lists, their members, the lists holding an account, and list timelines."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize
from fedi.api.context import read, write
from fedi.api.mastodon.common import accounts_page, statuses_page
from fedi.api.pagination import page_of
from fedi.api.params import Params, path_id, read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.errors import Unprocessable
from fedi.services import lists

MAX_ACCOUNT_IDS = 250


async def index(request: Request) -> Response:
    caller = await authorize(request, "read:lists")
    found = await read(request, lambda s: lists.all_of(s, caller.viewer))
    return JSONResponse([to_mastodon.user_list(item) for item in found])


async def show(request: Request) -> Response:
    caller = await authorize(request, "read:lists")
    list_id = path_id(request)
    found = await read(request, lambda s: lists.get(s, caller.viewer, list_id))
    return JSONResponse(to_mastodon.user_list(found))


async def create(request: Request) -> Response:
    caller = await authorize(request, "write:lists")
    params = await read_params(request)
    title, policy = _title(params), params.text("replies_policy", max_length=16)
    exclusive = params.flag("exclusive")
    found = await write(
        request,
        lambda s: lists.create(s, caller.viewer, title=title, replies_policy=policy, exclusive=exclusive),
    )
    return JSONResponse(to_mastodon.user_list(found))


async def update(request: Request) -> Response:
    caller = await authorize(request, "write:lists")
    list_id, params = path_id(request), await read_params(request)
    title, policy = _title(params), params.text("replies_policy", max_length=16)
    exclusive = params.flag("exclusive") if params.has("exclusive") else None
    found = await write(
        request,
        lambda s: lists.update(
            s, caller.viewer, list_id, title=title, replies_policy=policy, exclusive=exclusive
        ),
    )
    return JSONResponse(to_mastodon.user_list(found))


async def delete(request: Request) -> Response:
    caller = await authorize(request, "write:lists")
    list_id = path_id(request)
    await write(request, lambda s: lists.delete(s, caller.viewer, list_id))
    return JSONResponse({})


async def members(request: Request) -> Response:
    caller = await authorize(request, "read:lists")
    list_id, params = path_id(request), await read_params(request)
    # limit=0 asks for every member at once (Mastodon's own web app does).
    page = None if params.integer("limit") == 0 else page_of(params, default=40, maximum=80)
    listed = await read(request, lambda s: lists.members(s, caller.viewer, list_id, page))
    return accounts_page(request, listed)


async def add_members(request: Request) -> Response:
    caller = await authorize(request, "write:lists")
    list_id, ids = path_id(request), _account_ids(await read_params(request))
    await write(request, lambda s: lists.add_members(s, caller.viewer, list_id, ids))
    return JSONResponse({})


async def remove_members(request: Request) -> Response:
    caller = await authorize(request, "write:lists")
    list_id, ids = path_id(request), _account_ids(await read_params(request))
    await write(request, lambda s: lists.remove_members(s, caller.viewer, list_id, ids))
    return JSONResponse({})


async def of_account(request: Request) -> Response:
    caller = await authorize(request, "read:lists")
    account_id = path_id(request)
    found = await read(request, lambda s: lists.holding(s, caller.viewer, account_id))
    return JSONResponse([to_mastodon.user_list(item) for item in found])


async def timeline(request: Request) -> Response:
    caller = await authorize(request, "read:lists")
    list_id, page, viewer = path_id(request), page_of(await read_params(request)), caller.viewer
    views = await read(request, lambda s: lists.timeline(s, viewer, list_id, page))
    return statuses_page(request, views, viewer.id)


def _title(params: Params) -> str | None:
    return params.text("title", max_length=lists.MAX_TITLE)


def _account_ids(params: Params) -> list[int]:
    ids = params.ids("account_ids")
    if len(ids) > MAX_ACCOUNT_IDS:
        raise Unprocessable(f"account_ids holds more than {MAX_ACCOUNT_IDS} ids", field="account_ids")
    return ids

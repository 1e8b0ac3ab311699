"""/api/v2/filters (with keywords and statuses) and /api/v1/filters, a view of them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize
from fedi.api.context import read, write
from fedi.api.params import Params, path_id, read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.errors import Unprocessable
from fedi.services import filters
from fedi.services.filters import Changes, KeywordChange

MAX_KEYWORD_CHANGES = filters.MAX_KEYWORDS


def _expires_in(params: Params) -> tuple[int | None, bool]:
    if not params.has("expires_in"):
        return None, False
    return params.integer("expires_in"), True


def _changes(params: Params) -> Changes:
    expires_in, given = _expires_in(params)
    entries = params.objs("keywords_attributes")
    if len(entries) > MAX_KEYWORD_CHANGES:
        raise Unprocessable(f"keywords_attributes holds more than {MAX_KEYWORD_CHANGES} entries")
    return Changes(
        title=params.text("title", max_length=filters.MAX_TITLE),
        context=params.texts("context") if params.has("context") else None,
        action=params.text("filter_action", max_length=8),
        expires_in=expires_in,
        expiry_given=given,
        keywords=[
            KeywordChange(
                id=entry.id("id"),
                keyword=entry.text("keyword", max_length=filters.MAX_KEYWORD),
                whole_word=entry.flag("whole_word") if entry.has("whole_word") else None,
                destroy=entry.flag("_destroy"),
            )
            for entry in entries
        ],
    )


# v2 --------------------------------------------------------------------------------------------


async def index(request: Request) -> Response:
    caller = await authorize(request, "read:filters")
    found = await read(request, lambda s: filters.all_of(s, caller.viewer))
    return JSONResponse([to_mastodon.filter_v2(v) for v in found])


async def show(request: Request) -> Response:
    caller = await authorize(request, "read:filters")
    filter_id = path_id(request)
    return JSONResponse(
        to_mastodon.filter_v2(await read(request, lambda s: filters.get(s, caller.viewer, filter_id)))
    )


async def create(request: Request) -> Response:
    caller = await authorize(request, "write:filters")
    changes = _changes(await read_params(request))
    found = await write(request, lambda s: filters.create(s, caller.viewer, changes))
    return JSONResponse(to_mastodon.filter_v2(found))


async def update(request: Request) -> Response:
    caller = await authorize(request, "write:filters")
    filter_id, changes = path_id(request), _changes(await read_params(request))
    found = await write(request, lambda s: filters.update(s, caller.viewer, filter_id, changes))
    return JSONResponse(to_mastodon.filter_v2(found))


async def delete(request: Request) -> Response:
    caller = await authorize(request, "write:filters")
    filter_id = path_id(request)
    await write(request, lambda s: filters.delete(s, caller.viewer, filter_id))
    return JSONResponse({})


async def keywords(request: Request) -> Response:
    caller = await authorize(request, "read:filters")
    filter_id = path_id(request)
    found = await read(request, lambda s: filters.get(s, caller.viewer, filter_id))
    return JSONResponse([to_mastodon.filter_keyword(k) for k in found.keywords])


async def add_keyword(request: Request) -> Response:
    caller = await authorize(request, "write:filters")
    filter_id, params = path_id(request), await read_params(request)
    text, whole = params.text("keyword", max_length=filters.MAX_KEYWORD), params.flag("whole_word", True)
    row = await write(request, lambda s: filters.add_keyword(s, caller.viewer, filter_id, text, whole))
    return JSONResponse(to_mastodon.filter_keyword(row))


async def show_keyword(request: Request) -> Response:
    caller = await authorize(request, "read:filters")
    keyword_id = path_id(request)
    row = await read(request, lambda s: filters.keyword(s, caller.viewer, keyword_id))
    return JSONResponse(to_mastodon.filter_keyword(row))


async def update_keyword(request: Request) -> Response:
    caller = await authorize(request, "write:filters")
    keyword_id, params = path_id(request), await read_params(request)
    text = params.text("keyword", max_length=filters.MAX_KEYWORD)
    whole = params.flag("whole_word") if params.has("whole_word") else None
    row = await write(request, lambda s: filters.update_keyword(s, caller.viewer, keyword_id, text, whole))
    return JSONResponse(to_mastodon.filter_keyword(row))


async def delete_keyword(request: Request) -> Response:
    caller = await authorize(request, "write:filters")
    keyword_id = path_id(request)
    await write(request, lambda s: filters.delete_keyword(s, caller.viewer, keyword_id))
    return JSONResponse({})


async def statuses(request: Request) -> Response:
    caller = await authorize(request, "read:filters")
    filter_id = path_id(request)
    found = await read(request, lambda s: filters.get(s, caller.viewer, filter_id))
    return JSONResponse([to_mastodon.filter_status(row) for row in found.statuses])


async def add_status(request: Request) -> Response:
    caller = await authorize(request, "write:filters")
    filter_id, params = path_id(request), await read_params(request)
    status_id = params.id("status_id")
    if status_id is None:
        raise Unprocessable("status_id is missing", field="status_id")
    row = await write(request, lambda s: filters.add_status(s, caller.viewer, filter_id, status_id))
    return JSONResponse(to_mastodon.filter_status(row))


async def show_status(request: Request) -> Response:
    caller = await authorize(request, "read:filters")
    row_id = path_id(request)
    row = await read(request, lambda s: filters.status_entry(s, caller.viewer, row_id))
    return JSONResponse(to_mastodon.filter_status(row))


async def delete_status(request: Request) -> Response:
    caller = await authorize(request, "write:filters")
    row_id = path_id(request)
    await write(request, lambda s: filters.delete_status(s, caller.viewer, row_id))
    return JSONResponse({})


# v1 --------------------------------------------------------------------------------------------


async def v1_index(request: Request) -> Response:
    caller = await authorize(request, "read:filters")
    found = await read(request, lambda s: filters.v1_all(s, caller.viewer))
    return JSONResponse([to_mastodon.filter_v1(k, f) for k, f in found])


async def v1_show(request: Request) -> Response:
    caller = await authorize(request, "read:filters")
    keyword_id = path_id(request)
    keyword, item = await read(request, lambda s: filters.v1_get(s, caller.viewer, keyword_id))
    return JSONResponse(to_mastodon.filter_v1(keyword, item))


async def v1_create(request: Request) -> Response:
    caller = await authorize(request, "write:filters")
    params = await read_params(request)
    phrase = params.text("phrase", max_length=filters.MAX_KEYWORD)
    context, irreversible = params.texts("context"), params.flag("irreversible")
    whole_word, (expires_in, _) = params.flag("whole_word", True), _expires_in(params)
    keyword, item = await write(
        request,
        lambda s: filters.v1_create(
            s,
            caller.viewer,
            phrase=phrase,
            context=context,
            irreversible=irreversible,
            whole_word=whole_word,
            expires_in=expires_in,
        ),
    )
    return JSONResponse(to_mastodon.filter_v1(keyword, item))


async def v1_update(request: Request) -> Response:
    caller = await authorize(request, "write:filters")
    keyword_id, params = path_id(request), await read_params(request)
    phrase = params.text("phrase", max_length=filters.MAX_KEYWORD)
    context = params.texts("context") if params.has("context") else None
    irreversible = params.flag("irreversible") if params.has("irreversible") else None
    whole_word = params.flag("whole_word") if params.has("whole_word") else None
    expires_in, given = _expires_in(params)
    keyword, item = await write(
        request,
        lambda s: filters.v1_update(
            s,
            caller.viewer,
            keyword_id,
            phrase=phrase,
            context=context,
            irreversible=irreversible,
            whole_word=whole_word,
            expires_in=expires_in,
            expiry_given=given,
        ),
    )
    return JSONResponse(to_mastodon.filter_v1(keyword, item))


async def v1_delete(request: Request) -> Response:
    caller = await authorize(request, "write:filters")
    keyword_id = path_id(request)
    await write(request, lambda s: filters.v1_delete(s, caller.viewer, keyword_id))
    return JSONResponse({})

"""/api/v1/statuses: posting, reading, editing and deleting statuses, and acting on them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize, optional_viewer
from fedi.api.context import fetch_first, read, runtime_of, write
from fedi.api.mastodon.common import accounts_page, urls_of
from fedi.api.mastodon.scheduled_statuses import scheduled_time
from fedi.api.pagination import page_of
from fedi.api.params import Params, path_id, read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.errors import Unprocessable
from fedi.models.accounts import Account
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import directory, interactions, polls, resolver, scheduled_statuses, statuses, views
from fedi.store.views import StatusView

MAX_IDEMPOTENCY_KEY = 255


async def create(request: Request) -> Response:
    caller = await authorize(request, "write:statuses")
    params = await read_params(request)
    draft = _draft(params)
    draft.application = {"name": caller.application.name, "website": caller.application.website}
    key = (request.headers.get("idempotency-key") or "")[:MAX_IDEMPOTENCY_KEY] or None
    rt = runtime_of(request)
    at = scheduled_time(params)
    # As Mastodon: a time already past posts now; one less than five minutes ahead is refused.
    if at is not None and at > datetime.now(UTC):
        app_id = caller.application.id

        def keep(session: Session) -> scheduled_statuses.Scheduled:
            return scheduled_statuses.schedule(
                session, rt, caller.me(session), draft, at, application_id=app_id, idempotency_key=key
            )

        found = await write(request, keep)
        return JSONResponse(to_mastodon.scheduled_status(found.item, found.media, urls_of(request)))
    await fetch_first(rt, resolver.start_mentions, draft.text, timeout=resolver.LOOKUP_WAIT_S)

    def post(session: Session) -> StatusView:
        me = caller.me(session)
        status = statuses.create(session, rt, me, draft, idempotency_key=key)
        return statuses.get_view(session, me, status.id)

    view = await write(request, post)
    return JSONResponse(to_mastodon.status(view, urls_of(request), caller.account_id))


def _draft(params: Params) -> statuses.StatusDraft:
    return statuses.StatusDraft(
        text=params.text("status", "") or "",
        media_ids=params.ids("media_ids"),
        spoiler_text=params.text("spoiler_text", "") or "",
        sensitive=params.flag("sensitive"),
        visibility=params.text("visibility") or None,
        in_reply_to_id=params.id("in_reply_to_id"),
        language=params.text("language") or None,
        poll=_poll(params.obj("poll")),
    )


def _poll(params: Params) -> polls.PollDraft | None:
    # Clients send `"poll": null` (or nothing) when there is none.
    if not params.has("options"):
        return None
    return polls.PollDraft(
        options=params.texts("options"),
        expires_in=params.integer("expires_in"),
        multiple=params.flag("multiple"),
        hide_totals=params.flag("hide_totals"),
    )


MAX_IDS = 20


async def index(request: Request) -> Response:
    """GET /api/v1/statuses?id[]=…: several statuses at once (Mastodon 4.3)."""
    viewer = await optional_viewer(request, "read:statuses")
    ids = (await read_params(request)).ids("id")
    if len(ids) > MAX_IDS:
        raise Unprocessable(f"At most {MAX_IDS} ids", field="id")
    views = await read(request, lambda s: statuses.many_views(s, viewer, ids))
    viewer_id = viewer.id if viewer else None
    return JSONResponse([to_mastodon.status(v, urls_of(request), viewer_id) for v in views])


async def show(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    status_id = path_id(request)
    view = await read(request, lambda s: statuses.get_view(s, viewer, status_id), page=True)
    return JSONResponse(to_mastodon.status(view, urls_of(request), viewer.id if viewer else None))


async def delete(request: Request) -> Response:
    caller = await authorize(request, "write:statuses")
    status_id = path_id(request)
    rt = runtime_of(request)
    view = await write(request, lambda s: statuses.delete(s, rt, caller.me(s), status_id))
    return JSONResponse(to_mastodon.deleted_status(view, urls_of(request)))


async def context(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    status_id = path_id(request)
    thread = await read(request, lambda s: statuses.context(s, viewer, status_id), page=True)
    entity = to_mastodon.context(
        thread.ancestors, thread.descendants, urls_of(request), viewer.id if viewer else None
    )
    return JSONResponse(entity)


async def edit(request: Request) -> Response:
    caller = await authorize(request, "write:statuses")
    status_id = path_id(request)
    params = await read_params(request)
    descriptions = {
        media_id: item.text("description", "") or ""
        for item in params.objs("media_attributes")
        if (media_id := item.id("id")) is not None and item.has("description")
    }
    rt = runtime_of(request)
    await fetch_first(
        rt, resolver.start_mentions, params.text("status", "") or "", timeout=resolver.LOOKUP_WAIT_S
    )

    def change(session: Session) -> StatusView:
        me = caller.me(session)
        status = statuses.edit(
            session,
            rt,
            me,
            status_id,
            text=params.text("status", "") or "",
            spoiler_text=params.text("spoiler_text", "") or "",
            sensitive=params.flag("sensitive"),
            media_ids=params.ids("media_ids") if params.has("media_ids") else None,
            media_descriptions=descriptions,
            language=params.text("language") or None,
        )
        return statuses.get_view(session, me, status.id)

    view = await write(request, change)
    return JSONResponse(to_mastodon.status(view, urls_of(request), caller.account_id))


async def history(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    status_id = path_id(request)
    found = await read(request, lambda s: views.history(s, viewer, status_id))
    urls = urls_of(request)
    return JSONResponse([to_mastodon.status_edit(e, found.author, found.media, urls) for e in found.edits])


async def source(request: Request) -> Response:
    caller = await authorize(request, "read:statuses")
    status_id = path_id(request)
    status = await read(request, lambda s: statuses.own_status(s, caller.viewer, status_id))
    return JSONResponse(to_mastodon.status_source(status))


async def favourited_by(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:accounts")
    status_id, page = path_id(request), page_of(await read_params(request), default=40, maximum=80)
    return accounts_page(
        request, await read(request, lambda s: directory.favourited_by(s, viewer, status_id, page))
    )


async def reblogged_by(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:accounts")
    status_id, page = path_id(request), page_of(await read_params(request), default=40, maximum=80)
    return accounts_page(
        request, await read(request, lambda s: directory.reblogged_by(s, viewer, status_id, page))
    )


# Actions: each answers the status as the viewer now sees it -----------------------------------

Action = Callable[[Session, Runtime, Account, int, Params], Status]


def _status_action(scope: str, act: Action) -> Callable[[Request], Awaitable[Response]]:
    async def handler(request: Request) -> Response:
        caller = await authorize(request, scope)
        status_id = path_id(request)
        params = await read_params(request)
        rt = runtime_of(request)

        def run(session: Session) -> StatusView:
            me = caller.me(session)
            return statuses.get_view(session, me, act(session, rt, me, status_id, params).id)

        view = await write(request, run)
        return JSONResponse(to_mastodon.status(view, urls_of(request), caller.account_id))

    return handler


favourite = _status_action("write:favourites", lambda s, rt, me, i, p: interactions.favourite(s, rt, me, i))
unfavourite = _status_action(
    "write:favourites", lambda s, rt, me, i, p: interactions.unfavourite(s, rt, me, i)
)
reblog = _status_action(
    "write:statuses",
    lambda s, rt, me, i, p: interactions.reblog(s, rt, me, i, visibility_=p.text("visibility") or "public"),
)
unreblog = _status_action("write:statuses", lambda s, rt, me, i, p: interactions.unreblog(s, rt, me, i))
bookmark = _status_action("write:bookmarks", lambda s, rt, me, i, p: interactions.bookmark(s, me, i, on=True))
unbookmark = _status_action(
    "write:bookmarks", lambda s, rt, me, i, p: interactions.bookmark(s, me, i, on=False)
)
mute = _status_action(
    "write:mutes", lambda s, rt, me, i, p: interactions.mute_conversation(s, me, i, on=True)
)
unmute = _status_action(
    "write:mutes", lambda s, rt, me, i, p: interactions.mute_conversation(s, me, i, on=False)
)
pin = _status_action("write:accounts", lambda s, rt, me, i, p: interactions.pin(s, rt, me, i, on=True))
unpin = _status_action("write:accounts", lambda s, rt, me, i, p: interactions.pin(s, rt, me, i, on=False))

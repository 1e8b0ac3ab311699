"""Profiles (`/@name`, and `/@name@host` for accounts known here) and the remote-follow form."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from fedi.api.context import read, run_sync, runtime_of, settled
from fedi.content.sanitize import to_plain_text
from fedi.errors import NotFound, Unprocessable
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services import directory, remote_follow, resolver, timelines
from fedi.services.federation.fetches import RemoteError
from fedi.store.paging import Page
from fedi.store.views import StatusView
from fedi.web import present
from fedi.web.pages import activity_document, next_max_id, page, paging, render
from fedi.web.session import checked_form, current_account

PAGE_SIZE = 30


@page
async def profile(request: Request) -> Response:
    if (elsewhere := activity_document(request, _acct(request))) is not None:
        return elsewhere
    return await _profile_page(request)


@page
async def remote_follow_form(request: Request) -> Response:
    """A visitor's own address → their server's page for confirming the follow."""
    fields = await checked_form(request, max_fields=5)
    rt, acct, handle = runtime_of(request), _acct(request), fields.get("handle", "")
    account = await read(request, lambda s: _account(s, rt, acct))
    try:
        lookup = await run_sync(remote_follow.start_subscribe_url, rt, handle, account.uri)
        await settled(lookup, resolver.LOOKUP_WAIT_S)
        if not lookup.done():
            raise Unprocessable("Your server is taking too long to answer: try again in a moment")
        target = lookup.result()
    except (Unprocessable, RemoteError) as exc:
        return await _profile_page(request, handle=handle, follow_error=exc.message)
    return RedirectResponse(target, status_code=303)


async def _profile_page(request: Request, *, handle: str = "", follow_error: str | None = None) -> Response:
    me = await current_account(request)
    rt, acct, paged = runtime_of(request), _acct(request), paging(request, PAGE_SIZE)
    account, views = await read(request, lambda s: _load(s, rt, me, acct, paged))
    shown = present.person(account, rt.urls)
    after = next_max_id([v.status.id for v in views], PAGE_SIZE)
    return render(
        request,
        "profile.html",
        {
            "me": me,
            "person": shown,
            "summary": to_plain_text(account.note)[:300]
            or f"{shown.posts} posts on {rt.settings.instance.name}",
            "posts": [present.post(v, rt.urls) for v in views],
            "more": f"{shown.path}?max_id={after}" if after else None,
            "own": me is not None and me.id == account.id,
            "handle": handle,
            "follow_error": follow_error,
        },
        status_code=422 if follow_error else 200,
    )


def _acct(request: Request) -> str:
    return str(request.path_params["username"])


def _account(session: Session, rt: Runtime, acct: str) -> Account:
    account = directory.lookup(session, rt, acct)
    if account.suspended:
        raise NotFound()
    return account


def _load(
    session: Session, rt: Runtime, viewer: Account | None, acct: str, paged: Page
) -> tuple[Account, list[StatusView]]:
    account = _account(session, rt, acct)
    views = timelines.account_statuses(
        session, viewer, account.id, paged, exclude_replies=True, exclude_reblogs=True
    )
    return account, views

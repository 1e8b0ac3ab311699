"""`/authorize_interaction?uri=…`: where our WebFinger's subscribe template sends people.

Someone signed in here, who met an account elsewhere (its remote-follow form, or ours), confirms
the follow on this page.
"""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from fedi.api.context import fetch_first, read, runtime_of, write
from fedi.errors import NotFound
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services import directory, relationships, resolver, search
from fedi.web import present
from fedi.web.pages import page, render, sign_in_first
from fedi.web.session import checked_form, current_account


@page
async def interaction_page(request: Request) -> Response:
    me = await current_account(request)
    if me is None:
        return sign_in_first(request)
    rt, uri = runtime_of(request), request.query_params.get("uri", "")
    # An account seen for the first time is fetched (and stored) before it is looked up.
    address = await _fetched(rt, uri)
    target = await read(request, lambda s: _find(s, rt, me, address))
    context = {"me": me, "person": present.person(target, rt.urls), "uri": uri, "own": target.id == me.id}
    return render(request, "interaction.html", context)


@page
async def follow(request: Request) -> Response:
    fields = await checked_form(request, max_fields=5)
    me = await current_account(request)
    if me is None:
        return sign_in_first(request)
    rt = runtime_of(request)
    address = await _fetched(rt, fields.get("uri", ""))
    target = await write(request, lambda s: _follow(s, rt, me.id, address))
    return RedirectResponse(present.profile_path(target.acct()), status_code=303)


async def _fetched(rt: Runtime, uri: str) -> str:
    """Fetch the account `uri` names (`acct:` or a URL) if new; returns what to look it up by."""
    address = uri.strip().removeprefix("acct:")
    fetched = await fetch_first(rt, resolver.start_lookup, address, timeout=resolver.LOOKUP_WAIT_S)
    return resolver.found_id(address, fetched)


def _find(session: Session, rt: Runtime, viewer: Account, address: str) -> Account:
    found = search.search(
        session, rt, viewer, address, kind="accounts", limit=1, offset=0, following=False
    ).accounts
    if not found:
        raise NotFound()
    return found[0]


def _follow(session: Session, rt: Runtime, account_id: int, address: str) -> Account:
    follower = directory.account(session, account_id)
    target = _find(session, rt, follower, address)
    relationships.follow(session, rt, follower, target.id)
    return target

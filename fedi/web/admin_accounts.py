"""Accounts for moderators: search, silence and suspend (and undo), the daily image limit,
moderation notes; the sign-ups waiting for approval; invites."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.context import read, runtime_of, write
from fedi.errors import Unprocessable
from fedi.services import admin_views, generation_limits, generations, invites, moderation
from fedi.store import moderation as store
from fedi.store.paging import Page
from fedi.web.admin import done, path_id, show, staff, staff_form
from fedi.web.pages import page

PATH = "/admin/accounts"
SIGN_UPS = "/admin/sign-ups"
INVITES = "/admin/invites"
SHOWN = 40
# The form's buttons: (take or undo, the action).
CHANGES = {
    "silence": (True, moderation.Action.SILENCE),
    "unsilence": (False, moderation.Action.SILENCE),
    "suspend": (True, moderation.Action.SUSPEND),
    "unsuspend": (False, moderation.Action.SUSPEND),
}


@page
async def index(request: Request) -> Response:
    me = await staff(request)
    if isinstance(me, Response):
        return me
    rt = runtime_of(request)
    query = request.query_params.get("q", "").strip().lstrip("@")[:200]
    username, _, domain = query.partition("@")

    def load(session: Session) -> list[dict[str, Any]]:
        found = admin_views.accounts(
            session,
            Page(limit=SHOWN),
            local=True if query and not domain else None,
            status=None,
            username=username or None,
            domain=domain or None,
            staff=False,
        )
        return [
            {
                "account": a.account,
                "user": a.user,
                "quota": generations.quota(session, rt, a.account) if a.account.local else None,
                "override": generation_limits.override(session, a.account.id),
                "notes": store.notes_of(session, a.account.id),
            }
            for a in found
        ]

    rows = await read(request, load)
    return show(request, "admin_accounts.html", me, {"rows": rows, "query": query})


@page
async def change(request: Request) -> Response:
    checked = await staff_form(request)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    rt = runtime_of(request)
    account_id = path_id(request)
    if form.get("change") not in CHANGES:
        raise Unprocessable("Choose one of the changes offered")
    take, action = CHANGES[form["change"]]

    def apply(session: Session) -> None:
        if take:
            moderation.act(session, rt, account_id, action, by=me, text=form.get("text", ""))
        else:
            moderation.undo(session, rt, account_id, action, by=me)

    await write(request, apply)
    return done(PATH, "acted")


@page
async def note(request: Request) -> Response:
    """A moderation note about an account: seen by moderators only, kept in the audit log."""
    checked = await staff_form(request)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    account_id = path_id(request)
    await write(request, lambda s: moderation.add_note(s, account_id, form.get("content", ""), by=me))
    return done(PATH, "noted")


@page
async def limit(request: Request) -> Response:
    checked = await staff_form(request)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    account_id = path_id(request)
    text = form.get("daily_limit", "").strip()
    if text and not text.isdigit():
        raise Unprocessable("The daily limit is a whole number (0: no limit), or empty for the default")
    wanted = int(text) if text else None

    def apply(session: Session) -> None:
        account = moderation.get_account(session, account_id)
        if not account.local:
            raise Unprocessable("Remote accounts share their server's daily limit")
        generation_limits.set_limit(session, account, wanted, by=me)

    await write(request, apply)
    return done(PATH, "limit")


@page
async def sign_ups(request: Request) -> Response:
    me = await staff(request)
    if isinstance(me, Response):
        return me
    pending = await read(
        request,
        lambda s: admin_views.accounts(
            s, Page(limit=SHOWN), local=True, status="pending", username=None, domain=None, staff=False
        ),
    )
    return show(request, "admin_sign_ups.html", me, {"pending": pending})


@page
async def decide(request: Request) -> Response:
    checked = await staff_form(request)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    account_id = path_id(request)
    if form.get("decision") == "approve":
        await write(request, lambda s: moderation.approve(s, account_id, by=me))
        return done(SIGN_UPS, "approved")
    if form.get("decision") == "reject":
        await write(request, lambda s: moderation.reject(s, account_id, by=me))
        return done(SIGN_UPS, "rejected")
    raise Unprocessable("Approve or reject")


@page
async def invite_page(request: Request) -> Response:
    me = await staff(request)
    if isinstance(me, Response):
        return me
    listed = await read(request, lambda s: store.invites(s, SHOWN))
    context = {
        "invites": [(i, invites.usable(i)) for i in listed],
        "max_uses": invites.MAX_USES,
        "expiries": list(invites.EXPIRES_IN),
    }
    return show(request, "admin_invites.html", me, context)


@page
async def create_invite(request: Request) -> Response:
    checked = await staff_form(request)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    uses = form.get("max_uses", "")
    if uses and not uses.isdigit():
        raise Unprocessable("Choose one of the limits offered")
    wanted = int(uses) if uses else None
    await write(
        request, lambda s: invites.create(s, me, max_uses=wanted, expires_in=form.get("expires_in", ""))
    )
    return done(INVITES, "invited")


@page
async def revoke_invite(request: Request) -> Response:
    checked = await staff_form(request)
    if isinstance(checked, Response):
        return checked
    me, _form = checked
    invite_id = path_id(request)
    await write(request, lambda s: invites.revoke(s, invite_id, by=me))
    return done(INVITES, "revoked")

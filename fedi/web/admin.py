"""What the admin pages share: who may see them, reading their forms, and the audit log page.

Every admin page needs a signed-in user with the moderator role or above (the domain pages:
admin); everyone else is sent to sign in, or gets a 403 page. Every POST is checked for the
site it came from and the session's CSRF token before anything changes.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from fedi.api.context import read, runtime_of
from fedi.errors import Forbidden, NotFound
from fedi.ids import parse_id
from fedi.models.accounts import Account, Role
from fedi.services import directory
from fedi.store import moderation as store
from fedi.web.pages import next_max_id, page, paging, render, sign_in_first
from fedi.web.session import check_same_site, checked_form, current_user

AUDIT_PAGE = 40
# What a page says after a form did its job (a fixed set: a link cannot make it say anything).
NOTICES = {
    "resolved": "The report is resolved.",
    "reopened": "The report is open again.",
    "acted": "Done: the account was changed.",
    "limit": "The account's daily image limit is saved.",
    "noted": "The note is saved (moderators only see it).",
    "blocked": "The domain is blocked.",
    "unblocked": "The domain block is lifted.",
    "approved": "The sign-up is approved: the account can sign in now.",
    "rejected": "The sign-up is rejected and removed.",
    "added": "The term is on the deny list; it applies to the next prompt.",
    "removed": "The term is off the deny list.",
    "bot": "The image bot's switch is saved; it applies to the next mention.",
    "invited": "The invite is made: give its code to the person you invite.",
    "revoked": "The invite is revoked.",
    "published": "The image is approved and published.",
    "failed": "The image is rejected; its generation failed.",
}


async def staff(request: Request, role: Role = Role.MODERATOR) -> Account | Response:
    """The signed-in moderator's account, or the response for anyone else."""
    user = await current_user(request)
    if user is None:
        return sign_in_first(request)
    if not Role(user.role).at_least(role):
        raise Forbidden(f"Only {role}s and above may see this page")
    account_id = user.account_id
    return await read(request, lambda s: directory.account(s, account_id))


async def staff_form(
    request: Request, role: Role = Role.MODERATOR
) -> tuple[Account, dict[str, str]] | Response:
    """For a POST: the moderator and the form's fields, once the form checks out."""
    me = await staff(request, role)
    if isinstance(me, Response):
        return me
    check_same_site(request, runtime_of(request).urls.base)
    return me, await checked_form(request)


def done(path: str, notice: str) -> Response:
    return RedirectResponse(f"{path}?done={notice}", status_code=303)


def show(
    request: Request, template: str, me: Account, context: dict[str, Any], status_code: int = 200
) -> Response:
    """An admin page, with the notice the last form asked for."""
    notice = NOTICES.get(request.query_params.get("done", ""))
    values = {"me": me, "notice": notice, "section": template.removeprefix("admin_").removesuffix(".html")}
    return render(request, template, values | context, status_code=status_code)


def path_id(request: Request) -> int:
    found = parse_id(request.path_params.get("id"))
    if found is None:
        raise NotFound("Record not found")
    return found


def names(session: Session, ids: set[int | None]) -> dict[int, str]:
    """acct of each account id (for lists that name who did what)."""
    return {i: directory.account(session, i).acct() for i in ids if i is not None}


@page
async def audit_log(request: Request) -> Response:
    me = await staff(request)
    if isinstance(me, Response):
        return me
    wanted = paging(request, AUDIT_PAGE)

    def load(session: Session) -> dict[str, Any]:
        actions = store.audit_log(session, wanted)
        return {"actions": actions, "who": names(session, {a.account_id for a in actions})}

    context = await read(request, load)
    more = next_max_id([a.id for a in context["actions"]], AUDIT_PAGE)
    return show(request, "admin_audit.html", me, context | {"more": f"?max_id={more}" if more else None})


async def home(request: Request) -> Response:
    return RedirectResponse("/admin/reports", status_code=302)

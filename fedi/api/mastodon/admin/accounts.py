"""/api/v1/admin/accounts: the list, one account, moderation actions and their undo."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import Caller, authorize_staff
from fedi.api.context import read, runtime_of, write
from fedi.api.mastodon.common import urls_of
from fedi.api.pagination import page_of, paged
from fedi.api.params import path_id, read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.errors import Unprocessable
from fedi.models.accounts import Account
from fedi.services import admin_views, moderation
from fedi.services.admin_views import AdminAccount
from fedi.services.moderation import Action

READ = "admin:read:accounts"
WRITE = "admin:write:accounts"
STATUSES = ("active", "pending", "disabled", "silenced", "suspended")

Endpoint = Callable[[Request], Awaitable[Response]]


def _entity(request: Request, found: AdminAccount) -> dict[str, object]:
    return to_mastodon.admin_account(found.account, found.user, urls_of(request))


async def index(request: Request) -> Response:
    """v1 filters: `local`/`remote`, `by_domain`, one of the status flags, `username`, `staff`."""
    await authorize_staff(request, READ)
    params = await read_params(request)
    page = page_of(params, default=100, maximum=200)
    local = False if params.flag("remote") else True if params.flag("local") else None
    status = next((name for name in STATUSES if params.flag(name)), None)
    found = await read(
        request,
        lambda s: admin_views.accounts(
            s,
            page,
            local=local,
            status=status,
            username=params.text("username", max_length=255),
            domain=params.text("by_domain", max_length=255),
            staff=params.flag("staff"),
        ),
    )
    return paged(request, [_entity(request, a) for a in found], [a.account.id for a in found])


async def show(request: Request) -> Response:
    await authorize_staff(request, READ)
    account_id = path_id(request)
    return JSONResponse(_entity(request, await read(request, lambda s: admin_views.account(s, account_id))))


async def action(request: Request) -> Response:
    """Mastodon's `type` (none, sensitive, disable, silence, suspend), `report_id`, `text`."""
    caller = await authorize_staff(request, WRITE)
    params = await read_params(request)
    kind = params.text("type") or Action.NONE
    if kind not in set(Action):
        raise Unprocessable(f"type must be one of {', '.join(Action)}", field="type")
    report_id = params.id("report_id")
    text = params.text("text", "", max_length=5000) or ""
    account_id = path_id(request)
    rt = runtime_of(request)

    def act(session: Session) -> None:
        moderation.act(
            session, rt, account_id, Action(kind), by=_me(session, caller), text=text, report_id=report_id
        )

    await write(request, act)
    return JSONResponse({})


def _me(session: Session, caller: Caller) -> Account:
    return caller.me(session)


def _account_change(change: Callable[[Session, int, Account], object]) -> Endpoint:
    async def handler(request: Request) -> Response:
        caller = await authorize_staff(request, WRITE)
        account_id = path_id(request)

        def run(session: Session) -> AdminAccount:
            shown = admin_views.account(session, account_id)  # before a reject removes it
            change(session, account_id, _me(session, caller))
            return admin_views.account(session, account_id) if session.get(Account, account_id) else shown

        return JSONResponse(_entity(request, await write(request, run)))

    return handler


def _undo(action: Action) -> Endpoint:
    async def handler(request: Request) -> Response:
        rt = runtime_of(request)
        return await _account_change(lambda s, i, by: moderation.undo(s, rt, i, action, by=by))(request)

    return handler


approve = _account_change(lambda s, i, by: moderation.approve(s, i, by=by))
reject = _account_change(lambda s, i, by: moderation.reject(s, i, by=by))
enable = _undo(Action.DISABLE)
unsilence = _undo(Action.SILENCE)
unsuspend = _undo(Action.SUSPEND)
unsensitive = _undo(Action.SENSITIVE)

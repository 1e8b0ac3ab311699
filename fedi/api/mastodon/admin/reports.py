"""/api/v1/admin/reports: the queue, one report, assigning, resolving and reopening."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize_staff
from fedi.api.context import read, runtime_of, write
from fedi.api.mastodon.common import urls_of
from fedi.api.pagination import page_of, paged
from fedi.api.params import path_id, read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.models.accounts import Account
from fedi.services import admin_views, reports
from fedi.services.admin_views import AdminReport

READ = "admin:read:reports"
WRITE = "admin:write:reports"


def _entity(request: Request, found: AdminReport) -> dict[str, object]:
    return to_mastodon.admin_report(found.view, found.users, found.statuses, found.rules, urls_of(request))


async def index(request: Request) -> Response:
    """Unresolved reports unless `resolved` is true; `account_id` (by) and `target_account_id`."""
    await authorize_staff(request, READ)
    rt = runtime_of(request)
    params = await read_params(request)
    page = page_of(params, default=100, maximum=200)
    found = await read(
        request,
        lambda s: admin_views.report_page(
            s,
            rt.settings,
            page,
            resolved=params.flag("resolved"),
            account_id=params.id("account_id"),
            target_account_id=params.id("target_account_id"),
        ),
    )
    return paged(request, [_entity(request, r) for r in found], [r.view.report.id for r in found])


async def show(request: Request) -> Response:
    await authorize_staff(request, READ)
    report_id = path_id(request)
    settings = runtime_of(request).settings
    found = await read(request, lambda s: admin_views.report(s, settings, report_id))
    return JSONResponse(_entity(request, found))


def _change(change: Callable[[Session, int, Account], object]) -> Callable[[Request], Awaitable[Response]]:
    async def handler(request: Request) -> Response:
        caller = await authorize_staff(request, WRITE)
        report_id = path_id(request)
        settings = runtime_of(request).settings

        def run(session: Session) -> AdminReport:
            change(session, report_id, caller.me(session))
            return admin_views.report(session, settings, report_id)

        return JSONResponse(_entity(request, await write(request, run)))

    return handler


assign_to_self = _change(lambda s, i, me: reports.assign(s, i, me, by=me))
unassign = _change(lambda s, i, me: reports.assign(s, i, None, by=me))
resolve = _change(lambda s, i, me: reports.resolve(s, i, by=me))
reopen = _change(lambda s, i, me: reports.reopen(s, i, by=me))

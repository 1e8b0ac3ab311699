"""POST /api/v1/reports: a user reports an account (and some of its posts) to the moderators."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize
from fedi.api.context import runtime_of, write
from fedi.api.mastodon.common import urls_of
from fedi.api.params import read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.errors import Unprocessable
from fedi.services import reports
from fedi.store.views import ReportView, report_views


async def create(request: Request) -> Response:
    caller = await authorize(request, "write:reports")
    params = await read_params(request)
    account_id = params.id("account_id")
    if account_id is None:
        raise Unprocessable("account_id is required", field="account_id")
    draft = reports.ReportDraft(
        account_id=account_id,
        status_ids=params.ids("status_ids"),
        category=params.text("category") or None,
        rule_ids=params.ids("rule_ids"),
        comment=params.text("comment", "") or "",
        forward=params.flag("forward"),
    )
    rt = runtime_of(request)

    def report(session: Session) -> ReportView:
        filed = reports.file(session, rt, caller.me(session), draft)
        return report_views(session, [filed])[0]

    return JSONResponse(to_mastodon.report(await write(request, report), urls_of(request)))

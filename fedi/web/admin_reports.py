"""The reports queue for moderators: open and resolved reports, one report, resolving it with
an action on the reported account (or none)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.context import read, runtime_of, write
from fedi.errors import Unprocessable
from fedi.services import admin_views, moderation, reports
from fedi.web import present
from fedi.web.admin import done, path_id, show, staff, staff_form
from fedi.web.pages import next_max_id, page, paging

PAGE = 20
PATH = "/admin/reports"
# What "resolve" may do to the reported account, as the form offers it.
ACTIONS = {
    "none": None,
    "warn": moderation.Action.NONE,
    "sensitive": moderation.Action.SENSITIVE,
    "silence": moderation.Action.SILENCE,
    "suspend": moderation.Action.SUSPEND,
}


@page
async def index(request: Request) -> Response:
    me = await staff(request)
    if isinstance(me, Response):
        return me
    rt = runtime_of(request)
    resolved = request.query_params.get("resolved") == "1"
    wanted = paging(request, PAGE)
    found = await read(
        request,
        lambda s: admin_views.report_page(
            s, rt.settings, wanted, resolved=resolved, account_id=None, target_account_id=None
        ),
    )
    more = next_max_id([r.view.report.id for r in found], PAGE)
    query = f"?resolved={int(resolved)}&max_id={more}" if more else None
    context = {"reports": found, "resolved": resolved, "more": query}
    return show(request, "admin_reports.html", me, context)


@page
async def report(request: Request) -> Response:
    me = await staff(request)
    if isinstance(me, Response):
        return me
    rt = runtime_of(request)
    report_id = path_id(request)

    def load(session: Session) -> dict[str, Any]:
        found = admin_views.report(session, rt.settings, report_id)
        return {
            "item": found,
            "posts": [present.post(v, rt.urls) for v in found.statuses],
            "target": present.person(found.view.target, rt.urls),
        }

    context = await read(request, load)
    return show(request, "admin_report.html", me, context | {"actions": list(ACTIONS)})


@page
async def resolve(request: Request) -> Response:
    checked = await staff_form(request)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    rt = runtime_of(request)
    report_id = path_id(request)
    choice = form.get("action", "none")
    if choice not in ACTIONS:
        raise Unprocessable("Choose one of the actions offered")
    action = ACTIONS[choice]

    def take(session: Session) -> None:
        target = reports.get(session, report_id).target_account_id
        if action is None:
            reports.resolve(session, report_id, by=me)
        else:
            moderation.act(session, rt, target, action, by=me, text=form.get("text", ""), report_id=report_id)

    await write(request, take)
    return done(f"{PATH}/{report_id}", "resolved")


@page
async def reopen(request: Request) -> Response:
    checked = await staff_form(request)
    if isinstance(checked, Response):
        return checked
    me, _form = checked
    report_id = path_id(request)
    await write(request, lambda s: reports.reopen(s, report_id, by=me))
    return done(f"{PATH}/{report_id}", "reopened")

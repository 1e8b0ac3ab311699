"""A post's page (`/@name/ID`): its images, how they were made, and the thread around it."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.context import read, runtime_of
from fedi.errors import NotFound
from fedi.ids import parse_id
from fedi.models.accounts import Account
from fedi.services import lineage, statuses
from fedi.store.views import StatusView
from fedi.web import present
from fedi.web.pages import activity_document, page, render
from fedi.web.session import current_account


@page
async def post(request: Request) -> Response:
    if (
        elsewhere := activity_document(request, str(request.path_params["username"]), "status_id")
    ) is not None:
        return elsewhere
    me = await current_account(request)
    urls = runtime_of(request).urls
    acct, status_id = str(request.path_params["username"]), parse_id(request.path_params["status_id"])
    view, thread, remixes = await read(request, lambda s: _load(s, me, acct, status_id))
    shown = present.post(view, urls)

    def linked(links: list[lineage.Link]) -> list[dict[str, object]]:
        return [
            {"uri": link.uri, "post": present.post(link.view, urls) if link.view else None} for link in links
        ]

    return render(
        request,
        "post.html",
        {
            "me": me,
            "post": shown,
            "ancestors": [present.post(v, urls) for v in thread.ancestors],
            "replies": [present.post(v, urls) for v in thread.descendants],
            "made_from": linked(remixes.ancestors),
            "remixed_into": linked(remixes.descendants),
            "title": f"{shown.author.name}: {_headline(shown)}",
            "summary": f"Content warning: {shown.spoiler}" if shown.spoiler else _summary(shown),
            "image": None if shown.sensitive or not shown.cover else shown.cover.url,
        },
    )


def _load(
    session: Session, viewer: Account | None, acct: str, status_id: int | None
) -> tuple[StatusView, statuses.Thread, lineage.Lineage]:
    """The post if this viewer may see it and it is this account's own (not a boost of it)."""
    if status_id is None:
        raise NotFound()
    view = statuses.get_view(session, viewer, status_id)
    if view.reblog is not None or view.account.acct().lower() != acct.lower():
        raise NotFound()
    return view, statuses.context(session, viewer, status_id), lineage.lineage(session, viewer, status_id)


def _headline(post: present.Post) -> str:
    text = post.provenance.prompt if post.provenance else post.text
    return text if len(text) <= 70 else text[:69].rstrip() + "…"


def _summary(post: present.Post) -> str:
    text = " ".join(post.text.split())
    return text[:300] or (post.provenance.prompt if post.provenance else "")

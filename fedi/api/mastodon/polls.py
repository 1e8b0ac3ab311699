"""/api/v1/polls: show a poll and vote on it (the answer is the Poll entity)."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fedi.api.auth import authorize, optional_viewer
from fedi.api.context import read, runtime_of, write
from fedi.api.params import path_id, read_params
from fedi.convert import to_mastodon
from fedi.errors import Unprocessable
from fedi.services import polls
from fedi.store.views import PollView, StatusView

MAX_CHOICES = 64


def _entity(view: StatusView, viewer_id: int | None) -> dict[str, object]:
    poll: PollView | None = view.poll
    assert poll is not None
    return to_mastodon.poll(poll, viewer_id)


async def show(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    poll_id = path_id(request)
    view = await read(request, lambda s: polls.show(s, viewer, poll_id))
    return JSONResponse(_entity(view, viewer.id if viewer else None))


async def vote(request: Request) -> Response:
    caller = await authorize(request, "write:statuses")
    poll_id = path_id(request)
    raw = (await read_params(request)).texts("choices")
    if len(raw) > MAX_CHOICES or not all(c.strip().isdigit() for c in raw):
        raise Unprocessable("choices must be option indexes", field="choices")
    choices = [int(c) for c in raw]
    rt = runtime_of(request)

    def cast(session: Session) -> StatusView:
        return polls.vote(session, rt, caller.me(session), poll_id, choices)

    view = await write(request, cast)
    return JSONResponse(_entity(view, caller.account_id))

"""The notification policy (`/api/v2/notifications/policy`, and v1's older boolean shape) and
notification requests (`/api/v1/notifications/requests`), as Mastodon 4.3 has them: see
fedi/services/notification_requests.py for what is held and why."""

from __future__ import annotations

from collections.abc import Callable, Collection

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize
from fedi.api.context import read, write
from fedi.api.mastodon.common import urls_of
from fedi.api.pagination import page_of, paged
from fedi.api.params import path_id, read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.models.accounts import Account
from fedi.models.notifications import NotificationPolicy, PolicyAction
from fedi.services import notification_requests as service

# v1's booleans: true is `filter`, false `accept` (v1 cannot say `drop`).
V1_NAMES = {
    "filter_not_following": "for_not_following",
    "filter_not_followers": "for_not_followers",
    "filter_new_accounts": "for_new_accounts",
    "filter_private_mentions": "for_private_mentions",
}


def _summary(counts: tuple[int, int]) -> dict[str, int]:
    return {"pending_requests_count": counts[0], "pending_notifications_count": counts[1]}


def _v2(policy: NotificationPolicy, counts: tuple[int, int]) -> dict[str, object]:
    return {key: getattr(policy, key) for key in service.CATEGORIES} | {"summary": _summary(counts)}


def _v1(policy: NotificationPolicy, counts: tuple[int, int]) -> dict[str, object]:
    return {v1: getattr(policy, v2) != PolicyAction.ACCEPT for v1, v2 in V1_NAMES.items()} | {
        "summary": _summary(counts)
    }


async def show(request: Request) -> Response:
    caller = await authorize(request, "read:notifications")
    viewer_id = caller.viewer.id
    policy, counts = await read(
        request, lambda s: (service.policy(s, viewer_id), service.summary(s, viewer_id))
    )
    return JSONResponse(_v2(policy, counts))


async def update(request: Request) -> Response:
    caller = await authorize(request, "write:notifications")
    params = await read_params(request)
    changes = {
        key: value for key in service.CATEGORIES if (value := params.text(key, max_length=16)) is not None
    }
    viewer_id = caller.viewer.id
    policy, counts = await write(
        request, lambda s: (service.update_policy(s, viewer_id, changes), service.summary(s, viewer_id))
    )
    return JSONResponse(_v2(policy, counts))


async def show_v1(request: Request) -> Response:
    caller = await authorize(request, "read:notifications")
    viewer_id = caller.viewer.id
    policy, counts = await read(
        request, lambda s: (service.policy(s, viewer_id), service.summary(s, viewer_id))
    )
    return JSONResponse(_v1(policy, counts))


async def update_v1(request: Request) -> Response:
    caller = await authorize(request, "write:notifications")
    params = await read_params(request)
    changes = {
        v2: PolicyAction.FILTER if params.flag(v1) else PolicyAction.ACCEPT
        for v1, v2 in V1_NAMES.items()
        if params.has(v1)
    }
    viewer_id = caller.viewer.id
    policy, counts = await write(
        request,
        lambda s: (service.update_policy(s, viewer_id, dict(changes)), service.summary(s, viewer_id)),
    )
    return JSONResponse(_v1(policy, counts))


async def requests(request: Request) -> Response:
    caller = await authorize(request, "read:notifications")
    params = await read_params(request)
    page = page_of(params, default=40, maximum=80)
    viewer = caller.viewer
    found = await read(request, lambda s: service.shown(s, viewer, service.page(s, viewer, page)))
    urls = urls_of(request)
    entities = [to_mastodon.notification_request(r, a, v, urls, viewer.id) for r, a, v in found]
    return paged(request, entities, [r.id for r, _, _ in found])


async def one_request(request: Request) -> Response:
    caller = await authorize(request, "read:notifications")
    request_id, viewer = path_id(request), caller.viewer
    found = await read(request, lambda s: service.shown(s, viewer, [service.get(s, viewer, request_id)]))
    if not found:
        return JSONResponse({"error": "Record not found"}, status_code=404)
    item, sender, last = found[0]
    return JSONResponse(to_mastodon.notification_request(item, sender, last, urls_of(request), viewer.id))


async def accept(request: Request) -> Response:
    return await _decide_one(request, service.accept)


async def dismiss(request: Request) -> Response:
    return await _decide_one(request, service.dismiss)


async def _decide_one(
    request: Request, decide: Callable[[Session, Account, Collection[int]], None]
) -> Response:
    """Accept or dismiss the request in the path (404 when it is not the caller's)."""
    caller = await authorize(request, "write:notifications")
    request_id, viewer = path_id(request), caller.viewer

    def run(session: Session) -> None:
        service.get(session, viewer, request_id)
        decide(session, viewer, [request_id])

    await write(request, run)
    return JSONResponse({})


async def accept_many(request: Request) -> Response:
    caller = await authorize(request, "write:notifications")
    ids, viewer = (await read_params(request)).ids("id"), caller.viewer
    await write(request, lambda s: service.accept(s, viewer, ids))
    return JSONResponse({})


async def dismiss_many(request: Request) -> Response:
    caller = await authorize(request, "write:notifications")
    ids, viewer = (await read_params(request)).ids("id"), caller.viewer
    await write(request, lambda s: service.dismiss(s, viewer, ids))
    return JSONResponse({})


async def merged(request: Request) -> Response:
    """Accepting and dismissing finish within the request, so merging is always done."""
    await authorize(request, "read:notifications")
    return JSONResponse({"merged": True})

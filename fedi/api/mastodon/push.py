"""/api/v1/push/subscription: the Web Push subscription of the calling access token."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fedi.api.auth import authorize, bearer_token
from fedi.api.context import read, run_sync, runtime_of, write
from fedi.api.params import Params, read_params
from fedi.convert import to_mastodon
from fedi.errors import Unauthorized
from fedi.models.push import PUSH_ALERTS, PushSubscription
from fedi.services import push, vapid


def _preferences(params: Params) -> push.Preferences:
    data = params.obj("data")
    alerts = data.obj("alerts")
    # Mastodon reads `data[policy]`; Mastodon.py sends `policy`: either will do.
    policy = data.text("policy", max_length=16) or params.text("policy", max_length=16) or None
    return push.preferences({name: alerts.flag(name) for name in PUSH_ALERTS}, policy)


async def _entity(request: Request, item: PushSubscription) -> Response:
    rt = runtime_of(request)
    key = await run_sync(lambda: vapid.keys(rt).public_key)
    return JSONResponse(to_mastodon.push_subscription(item, key))


async def create(request: Request) -> Response:
    caller = await authorize(request, "push")
    token = bearer_token(request)
    if token is None:
        raise Unauthorized()
    params = await read_params(request)
    subscription = params.obj("subscription")
    keys = subscription.obj("keys")
    asked = push.Keys(
        endpoint=subscription.text("endpoint", "", max_length=push.MAX_ENDPOINT) or "",
        p256dh=keys.text("p256dh", "", max_length=128) or "",
        auth=keys.text("auth", "", max_length=64) or "",
        standard=subscription.flag("standard"),
    )
    chosen = _preferences(params)
    settings = runtime_of(request).settings
    item = await write(
        request,
        lambda s: push.subscribe(
            s,
            settings,
            token_id=caller.token_id,
            access_token=token,
            account_id=caller.account_id,
            keys=asked,
            chosen=chosen,
        ),
    )
    return await _entity(request, item)


async def show(request: Request) -> Response:
    caller = await authorize(request, "push")
    item = await read(request, lambda s: push.current(s, caller.token_id))
    return await _entity(request, item)


async def update(request: Request) -> Response:
    caller = await authorize(request, "push")
    chosen = _preferences(await read_params(request))
    item = await write(request, lambda s: push.change(s, caller.token_id, chosen))
    return await _entity(request, item)


async def delete(request: Request) -> Response:
    caller = await authorize(request, "push")
    await write(request, lambda s: push.unsubscribe(s, caller.token_id))
    return JSONResponse({})

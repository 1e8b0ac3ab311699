"""ActivityPub endpoints: actors, inboxes, outboxes, collections and posts.

Documents answer `application/activity+json` to servers; the same URLs send browsers to the
HTML page (which links back with rel="alternate").
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from activitypub.context import extension_context, with_extension_context
from activitypub.vocab import ACTIVITY_JSON, wants_activity_json
from fedi.api.context import run_sync, runtime_of, settled
from fedi.errors import NotFound, PayloadTooLarge, Unauthorized
from fedi.ids import parse_id
from fedi.runtime import Runtime
from fedi.services.federation import documents, inbox

AP_CONTENT_TYPE = f"{ACTIVITY_JSON}; charset=utf-8"
T = TypeVar("T")


class ActivityJSONResponse(JSONResponse):
    media_type = AP_CONTENT_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and not wants_activity_json(accept)


async def _document(
    request: Request,
    build: Callable[..., dict[str, Any]],
    *args: Any,
    html_url: str | None = None,
    signed: bool = True,
) -> Response:
    if html_url is not None and _wants_html(request):
        return RedirectResponse(html_url, status_code=302)
    rt = runtime_of(request)
    if signed:
        await _verifying(
            rt,
            inbox.require_signed_fetch,
            method=request.method,
            url=_signed_url(rt, request),
            headers=dict(request.headers),
        )

    def load() -> dict[str, Any]:
        with rt.db.reader() as session:
            return with_extension_context(build(session, rt, *args), rt.urls.extension_context())

    headers = (
        {"Vary": "Accept", "Link": f'<{html_url}>; rel="alternate"; type="text/html"'} if html_url else None
    )
    return ActivityJSONResponse(await run_sync(load), headers=headers)


def _username(request: Request) -> str:
    return str(request.path_params["username"])


async def actor(request: Request) -> Response:
    rt = runtime_of(request)
    username = _username(request)
    return await _document(request, documents.actor, username, html_url=rt.urls.profile(username))


async def instance_actor(request: Request) -> Response:
    # Never behind authorized fetch: servers fetch it to verify our own signed requests.
    return await _document(request, documents.instance_actor, signed=False)


async def status(request: Request) -> Response:
    rt = runtime_of(request)
    username, status_id = _username(request), _status_id(request)
    return await _document(
        request,
        documents.status_object,
        username,
        status_id,
        html_url=rt.urls.status_page(username, status_id),
    )


async def status_activity(request: Request) -> Response:
    return await _document(request, documents.status_activity, _username(request), _status_id(request))


async def status_replies(request: Request) -> Response:
    return await _document(request, documents.replies, _username(request), _status_id(request))


def _status_id(request: Request) -> int:
    status_id = parse_id(request.path_params["status_id"])
    if status_id is None:
        raise NotFound()
    return status_id


async def outbox(request: Request) -> Response:
    page = request.query_params.get("page") in ("true", "1")
    max_id = parse_id(request.query_params.get("max_id"))
    return await _document(request, _outbox, _username(request), page, max_id)


def _outbox(session: Any, rt: Runtime, username: str, page: bool, max_id: int | None) -> dict[str, Any]:
    return documents.outbox(session, rt, username, page=page, max_id=max_id)


async def followers(request: Request) -> Response:
    return await _document(request, _follows, _username(request), True, _page_number(request))


async def following(request: Request) -> Response:
    return await _document(request, _follows, _username(request), False, _page_number(request))


def _follows(session: Any, rt: Runtime, username: str, followers_: bool, page: int | None) -> dict[str, Any]:
    return documents.follow_collection(session, rt, username, followers=followers_, page=page)


def _page_number(request: Request) -> int | None:
    value = request.query_params.get("page")
    return int(value) if value and value.isdigit() and len(value) < 6 else None


async def featured(request: Request) -> Response:
    return await _document(request, documents.featured, _username(request))


async def custom_emoji(request: Request) -> Response:
    emoji_id = parse_id(request.path_params["id"])
    if emoji_id is None:
        raise NotFound()
    return await _document(request, documents.custom_emoji, emoji_id)


async def endorsements(request: Request) -> Response:
    return await _document(request, documents.endorsements, _username(request))


async def featured_tags(request: Request) -> Response:
    return await _document(request, documents.featured_tags, _username(request))


async def inbox_post(request: Request) -> Response:
    rt = runtime_of(request)
    recipient: int | None = None
    if "username" in request.path_params:
        recipient = await run_sync(_recipient_id, rt, _username(request))
    body = await _read_limited(request, inbox.MAX_BODY)
    item: inbox.Verified = await _verifying(
        rt,
        inbox.verify,
        method=request.method,
        url=_signed_url(rt, request),
        headers=dict(request.headers),
        body=body,
        recipient_account_id=recipient,
    )
    await asyncio.wrap_future(rt.inbox_writer().submit(item))
    return Response(status_code=202)


async def _verifying(rt: Runtime, check: Callable[..., T], **request: Any) -> T:
    """Run a signature check; if it waits on the signer's key, wait for the fetch here (on the
    event loop, holding no thread) at most `key_fetch_wait_s`, then check once more."""
    try:
        return await run_sync(check, rt, **request)
    except inbox.KeyPending as pending:
        await settled(pending.future, rt.settings.federation.key_fetch_wait_s)
    try:
        return await run_sync(check, rt, **request)
    except inbox.KeyPending:
        raise Unauthorized("The signer's key is still being fetched; try again later") from None


def _signed_url(rt: Runtime, request: Request) -> str:
    """The URL the sender signed: our public base, not what a TLS-terminating proxy passed on."""
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{rt.urls.base}{request.url.path}{query}"


def _recipient_id(rt: Runtime, username: str) -> int:
    with rt.db.reader() as session:
        return documents.local_account(session, username).id


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge("Request body too large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge("Request body too large")
        chunks.append(chunk)
    return b"".join(chunks)


async def extension_context_document(request: Request) -> Response:
    """The JSON-LD context that defines fedi's terms (`generation`, `remixOf`...) under this
    instance's namespace; every document fedi emits names it last in `@context`."""
    url = runtime_of(request).urls.extension_context()
    return JSONResponse(
        extension_context(f"{url}#"),
        media_type="application/ld+json",
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=86400"},
    )

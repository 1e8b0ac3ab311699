"""/api/v1/accounts: profiles, one's own credentials, relationships and the actions on them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.auth import authorize, optional_caller, optional_viewer
from fedi.api.context import fetch_first, read, run_sync, runtime_of, write
from fedi.api.mastodon.common import accounts_page, statuses_page, urls_of
from fedi.api.pagination import page_of
from fedi.api.params import Params, path_id, read_params
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.errors import Unprocessable
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services import accounts as accounts_service
from fedi.services import directory, notifications, oauth, profiles, relationships, resolver, timelines
from fedi.services.federation import endorsements as remote_endorsements
from fedi.services.relationships import Relationship


async def register(request: Request) -> Response:
    """Sign-up with an app token; answers a user token, as Mastodon does."""
    caller = await authorize(request, "write:accounts", "write", user=False)
    rt = runtime_of(request)
    params = await read_params(request)

    def run(session: Session) -> dict[str, object]:
        account = accounts_service.register(
            session,
            rt.urls,
            registrations_open=rt.settings.instance.registrations_open,
            approval_required=rt.settings.instance.approval_required,
            username=params.text("username", "", max_length=64) or "",
            email=params.text("email", "", max_length=320) or "",
            password=params.text("password", "", max_length=1024) or "",
            passwords=rt.passwords,
            agreement=params.flag("agreement"),
            reason=params.text("reason", "", max_length=1024) or "",
            invite_code=params.text("invite_code", "", max_length=64) or "",
        )
        user = accounts_service.user_of(session, account)
        if not user.approved:
            notifications.notify_staff(session, rt, type="admin.sign_up", from_account_id=account.id)
        issued = oauth.issue(session, caller.application, sorted(caller.scopes), user_id=user.id)
        return to_mastodon.token(issued.access_token, issued.token.scopes, issued.token.created_at)

    return JSONResponse(await write(request, run))


async def verify_credentials(request: Request) -> Response:
    caller = await authorize(request, "read:accounts", "profile")
    credentials = await read(request, lambda s: profiles.credentials(s, caller.account_id))
    return JSONResponse(_credential_entity(request, credentials))


async def update_credentials(request: Request) -> Response:
    caller = await authorize(request, "write:accounts")
    rt = runtime_of(request)
    params = await read_params(request, max_file_bytes=rt.settings.media.max_upload_bytes)
    changes = _profile_changes(params)
    await fetch_first(rt, resolver.start_mentions, changes.linked_text(), timeout=resolver.LOOKUP_WAIT_S)
    credentials = await run_sync(profiles.update, rt, caller.account_id, changes)
    return JSONResponse(_credential_entity(request, credentials))


async def remove_profile_image(request: Request) -> Response:
    """DELETE /api/v1/profile/avatar and /header (Mastodon 4.2)."""
    caller = await authorize(request, "write:accounts")
    rt, kind = runtime_of(request), str(request.path_params["kind"])
    credentials = await run_sync(profiles.remove_image, rt, caller.account_id, kind)
    return JSONResponse(_credential_entity(request, credentials))


def _credential_entity(request: Request, credentials: profiles.Credentials) -> dict[str, object]:
    return to_mastodon.credential_account(
        credentials.account,
        credentials.user,
        urls_of(request),
        follow_requests_count=credentials.follow_requests_count,
    )


def _profile_changes(params: Params) -> profiles.ProfileChanges:
    source = params.obj("source")
    avatar, header = params.file("avatar"), params.file("header")
    fields = None
    if params.has("fields_attributes"):
        fields = [
            (f.text("name", "") or "", f.text("value", "") or "") for f in params.objs("fields_attributes")
        ]
    return profiles.ProfileChanges(
        display_name=params.text("display_name"),
        note=params.text("note"),
        locked=params.flag("locked") if params.has("locked") else None,
        bot=params.flag("bot") if params.has("bot") else None,
        discoverable=params.flag("discoverable") if params.has("discoverable") else None,
        indexable=params.flag("indexable") if params.has("indexable") else None,
        fields=fields,
        privacy=source.text("privacy"),
        sensitive=source.flag("sensitive") if source.has("sensitive") else None,
        language=source.text("language"),
        avatar=avatar.data if avatar else None,
        header=header.data if header else None,
    )


MAX_ACCOUNT_IDS = 40


async def many(request: Request) -> Response:
    """GET /api/v1/accounts?id[]=…: several accounts at once (Mastodon 4.3)."""
    await optional_caller(request, "read:accounts")
    ids = (await read_params(request)).ids("id")
    if len(ids) > MAX_ACCOUNT_IDS:
        raise Unprocessable(f"At most {MAX_ACCOUNT_IDS} ids", field="id")
    found = await read(request, lambda s: directory.accounts(s, ids))
    urls = urls_of(request)
    return JSONResponse([to_mastodon.account(a, urls) for a in found])


async def account(request: Request) -> Response:
    await optional_caller(request, "read:accounts")
    account_id = path_id(request)
    found = await read(request, lambda s: directory.account(s, account_id))
    return JSONResponse(to_mastodon.account(found, urls_of(request)))


async def lookup(request: Request) -> Response:
    await optional_caller(request, "read:accounts")
    params = await read_params(request)
    acct = params.text("acct", "") or ""
    rt = runtime_of(request)
    found = await read(request, lambda s: directory.lookup(s, rt, acct))
    return JSONResponse(to_mastodon.account(found, urls_of(request)))


async def search(request: Request) -> Response:
    caller = await authorize(request, "read:accounts")
    params = await read_params(request)
    rt = runtime_of(request)
    text = params.text("q", "") or ""
    limit = params.integer("limit", 40, low=1, high=80) or 40

    if params.flag("resolve"):
        # Fetched outside any transaction; what arrives in time is found below.
        await fetch_first(rt, resolver.start_lookup, text, timeout=resolver.LOOKUP_WAIT_S)

    def find(session: Session) -> list[Account]:
        return directory.search(
            session,
            rt,
            caller.viewer,
            text,
            limit=limit,
            offset=params.integer("offset", 0, low=0) or 0,
            following=params.flag("following"),
        )

    found = await read(request, find)
    return JSONResponse([to_mastodon.account(a, urls_of(request)) for a in found])


async def relationships_of(request: Request) -> Response:
    caller = await authorize(request, "read:follows")
    ids = (await read_params(request)).ids("id")
    found = await read(request, lambda s: directory.relationships(s, caller.viewer, ids[:100]))
    return JSONResponse([to_mastodon.relationship(asdict(r)) for r in found])


async def statuses(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    account_id = path_id(request)
    params = await read_params(request)
    page = page_of(params)
    views = await read(
        request,
        lambda s: timelines.account_statuses(
            s,
            viewer,
            account_id,
            page,
            exclude_replies=params.flag("exclude_replies"),
            exclude_reblogs=params.flag("exclude_reblogs"),
            only_media=params.flag("only_media"),
            pinned=params.flag("pinned"),
            tagged=params.text("tagged") or None,
        ),
    )
    return statuses_page(request, views, viewer.id if viewer else None)


async def followers(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:accounts")
    account_id, page = path_id(request), page_of(await read_params(request), default=40, maximum=80)
    return accounts_page(
        request, await read(request, lambda s: directory.followers(s, viewer, account_id, page))
    )


async def following(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:accounts")
    account_id, page = path_id(request), page_of(await read_params(request), default=40, maximum=80)
    return accounts_page(
        request, await read(request, lambda s: directory.following(s, viewer, account_id, page))
    )


# Actions: each answers the viewer's new relationship with the target ---------------------------

Action = Callable[[Session, Runtime, Account, int, Params], object]


def _relationship_action(scope: str, act: Action) -> Callable[[Request], Awaitable[Response]]:
    async def handler(request: Request) -> Response:
        caller = await authorize(request, scope)
        target_id = path_id(request)
        params = await read_params(request)
        rt = runtime_of(request)

        def run(session: Session) -> Relationship:
            me = caller.me(session)
            act(session, rt, me, target_id, params)
            return directory.relationships(session, me, [target_id])[0]

        return JSONResponse(to_mastodon.relationship(asdict(await write(request, run))))

    return handler


follow = _relationship_action(
    "write:follows",
    lambda s, rt, me, target, p: relationships.follow(
        s, rt, me, target, reblogs=p.flag("reblogs", True), notify=p.flag("notify")
    ),
)
unfollow = _relationship_action(
    "write:follows", lambda s, rt, me, target, p: relationships.unfollow(s, rt, me, target)
)
remove_from_followers = _relationship_action(
    "write:follows", lambda s, rt, me, target, p: relationships.remove_from_followers(s, rt, me, target)
)
block = _relationship_action(
    "write:blocks", lambda s, rt, me, target, p: relationships.block(s, rt, me, target)
)
unblock = _relationship_action(
    "write:blocks", lambda s, rt, me, target, p: relationships.unblock(s, rt, me, target)
)
mute = _relationship_action(
    "write:mutes",
    lambda s, rt, me, target, p: relationships.mute(
        s, me, target, notifications_too=p.flag("notifications", True)
    ),
)
unmute = _relationship_action("write:mutes", lambda s, rt, me, target, p: relationships.unmute(s, me, target))
endorse = _relationship_action(
    "write:accounts", lambda s, rt, me, target, p: relationships.endorse(s, rt, me, target, on=True)
)
unendorse = _relationship_action(
    "write:accounts", lambda s, rt, me, target, p: relationships.endorse(s, rt, me, target, on=False)
)
note = _relationship_action(
    "write:accounts",
    lambda s, rt, me, target, p: directory.set_note(s, me, target, p.text("comment", "") or ""),
)


MAX_FAMILIAR_IDS = 40


async def familiar_followers(request: Request) -> Response:
    caller = await authorize(request, "read:follows")
    ids = (await read_params(request)).ids("id")
    if len(ids) > MAX_FAMILIAR_IDS:
        raise Unprocessable(f"At most {MAX_FAMILIAR_IDS} ids", field="id")
    found = await read(request, lambda s: directory.familiar_followers(s, caller.viewer, ids))
    urls = urls_of(request)
    return JSONResponse(
        [
            {"id": str(i), "accounts": [to_mastodon.account(a, urls) for a in accounts]}
            for i, accounts in found
        ]
    )


async def profile_directory(request: Request) -> Response:
    await optional_caller(request, "read:accounts")
    params = await read_params(request)
    offset = params.integer("offset", 0, low=0, high=10_000) or 0
    limit = min(max(params.integer("limit", 40) or 40, 1), 80)
    order, local = params.text("order", max_length=16) or "active", params.flag("local")
    found = await read(
        request, lambda s: directory.listing(s, offset=offset, limit=limit, order=order, local=local)
    )
    urls = urls_of(request)
    return JSONResponse([to_mastodon.account(a, urls) for a in found])


async def endorsements(request: Request) -> Response:
    """GET /api/v1/endorsements (one's own) and /api/v1/accounts/:id/endorsements (anyone's)."""
    if "id" in request.path_params:
        viewer = await optional_viewer(request, "read:accounts")
        account_id = path_id(request)
    else:
        caller = await authorize(request, "read:accounts")
        viewer, account_id = caller.viewer, caller.viewer.id
    page = page_of(await read_params(request), default=40, maximum=80)
    owner = await read(request, lambda s: directory.endorser(s, viewer, account_id))
    if owner is not None and not owner.local:
        # Read from the actor's own server (the first page, one page only: no Link header).
        first_page = page.max_id is None and page.min_id is None and page.since_id is None
        found = await run_sync(remote_endorsements.endorsed, runtime_of(request), owner) if first_page else []
        urls = urls_of(request)
        return JSONResponse([to_mastodon.account(a, urls) for a in found[: page.limit]])
    return accounts_page(
        request, await read(request, lambda s: directory.endorsements(s, viewer, account_id, page))
    )


async def suggestions(request: Request) -> Response:
    """GET /api/v2/suggestions (and v1, accounts only): friends of friends."""
    caller = await authorize(request, "read")
    limit = min(max((await read_params(request)).integer("limit", 40) or 40, 1), 80)
    found = await read(request, lambda s: directory.suggestions(s, caller.viewer, limit=limit))
    urls = urls_of(request)
    if request.url.path.startswith("/api/v1/"):
        return JSONResponse([to_mastodon.account(a, urls) for a in found])
    # Mastodon names this source `past_interactions` in the older `source` field.
    return JSONResponse(
        [
            {
                "source": "past_interactions",
                "sources": ["friends_of_friends"],
                "account": to_mastodon.account(a, urls),
            }
            for a in found
        ]
    )

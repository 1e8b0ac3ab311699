"""The documents other servers fetch from us: actors, posts, collections, WebFinger, NodeInfo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session

from activitypub import builders
from activitypub.errors import FormatError
from activitypub.nodeinfo import nodeinfo
from activitypub.objects import host_of
from activitypub.webfinger import Acct, jrd, parse_acct
from fedi import __version__
from fedi.convert import to_activitypub
from fedi.errors import BadRequest, NotFound
from fedi.models.accounts import Account
from fedi.models.emojis import CustomEmoji
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import remote_follow
from fedi.services.relationships import MAX_ENDORSEMENTS
from fedi.services.system import INSTANCE_ACTOR_USERNAME
from fedi.store import accounts as account_store
from fedi.store import featured_tags as featured_store
from fedi.store import instance as instance_store
from fedi.store import interactions as interaction_store
from fedi.store import relationships as relationship_store
from fedi.store import statuses as status_store
from fedi.store.paging import Page
from fedi.store.views import status_view, status_views

PAGE_SIZE = 20
PUBLIC_VISIBILITIES = ("public", "unlisted")


def local_account(session: Session, username: str) -> Account:
    account = account_store.by_acct(session, username, None)
    if account is None or account.suspended:
        raise NotFound()
    return account


def actor(session: Session, rt: Runtime, username: str) -> dict[str, Any]:
    return to_activitypub.actor(local_account(session, username), rt.urls)


def instance_actor(session: Session, rt: Runtime) -> dict[str, Any]:
    account = account_store.by_uri(session, rt.urls.instance_actor())
    if account is None:
        raise NotFound()
    document = to_activitypub.actor(account, rt.urls)
    document["preferredUsername"] = rt.settings.instance.domain
    document["url"] = rt.urls.base + "/about"
    return document


def public_status(session: Session, username: str, status_id: int) -> Status:
    """A post other servers may fetch unsigned: public or unlisted, published, not a boost."""
    account = local_account(session, username)
    status = status_store.get(session, status_id)
    if (
        status is None
        or status.account_id != account.id
        or status.visibility not in PUBLIC_VISIBILITIES
        or status.state != "published"
    ):
        raise NotFound()
    return status


def status_object(session: Session, rt: Runtime, username: str, status_id: int) -> dict[str, Any]:
    status = public_status(session, username, status_id)
    view = status_view(session, status, None)
    if status.reblog_of_id is not None:
        return to_activitypub.announce(view)
    return to_activitypub.note(view, rt.urls)


def status_activity(session: Session, rt: Runtime, username: str, status_id: int) -> dict[str, Any]:
    status = public_status(session, username, status_id)
    view = status_view(session, status, None)
    if status.reblog_of_id is not None:
        return to_activitypub.announce(view)
    return to_activitypub.create(view, rt.urls)


def replies(session: Session, rt: Runtime, username: str, status_id: int) -> dict[str, Any]:
    status = public_status(session, username, status_id)
    children = [
        r.uri
        for r in status_store.replies_to(session, status.id)
        if r.visibility in PUBLIC_VISIBILITIES and r.state == "published"
    ]
    collection_id = f"{status.uri}/replies"
    return builders.ordered_collection(id=collection_id, total_items=len(children), items=children)


def outbox(session: Session, rt: Runtime, username: str, *, page: bool, max_id: int | None) -> dict[str, Any]:
    """A paginated outbox with inline Creates and Announces: new followers see history."""
    account = local_account(session, username)
    collection_id = rt.urls.outbox(username)
    if not page:
        total = status_store.count_published_by_account(session, account.id, visibilities=PUBLIC_VISIBILITIES)
        return builders.ordered_collection(
            id=collection_id, total_items=total, first=f"{collection_id}?page=true"
        )
    rows = status_store.by_account(
        session,
        account.id,
        Page(limit=PAGE_SIZE, max_id=max_id),
        visibilities=PUBLIC_VISIBILITIES,
        include_processing=False,
        exclude_replies=False,
        exclude_reblogs=False,
        only_media=False,
        tagged=None,
    )
    items = [
        to_activitypub.announce(v) if v.reblog is not None else to_activitypub.create(v, rt.urls)
        for v in status_views(session, rows, None)
    ]
    next_page = f"{collection_id}?page=true&max_id={rows[-1].id}" if len(rows) == PAGE_SIZE else None
    this_page = f"{collection_id}?page=true" + (f"&max_id={max_id}" if max_id else "")
    return builders.ordered_collection_page(id=this_page, part_of=collection_id, items=items, next=next_page)


def follow_collection(
    session: Session, rt: Runtime, username: str, *, followers: bool, page: int | None
) -> dict[str, Any]:
    account = local_account(session, username)
    collection_id = rt.urls.followers(username) if followers else rt.urls.following(username)
    count = relationship_store.count_followers if followers else relationship_store.count_following
    if page is None:
        return builders.ordered_collection(
            id=collection_id, total_items=count(session, account.id), first=f"{collection_id}?page=1"
        )
    lister = relationship_store.followers if followers else relationship_store.following
    number = max(page, 1)
    everyone = lister(session, account.id, Page(limit=PAGE_SIZE * number))
    chunk = [a.uri for _, a in everyone[PAGE_SIZE * (number - 1) :]]
    more = len(everyone) == PAGE_SIZE * number
    return builders.ordered_collection_page(
        id=f"{collection_id}?page={number}",
        part_of=collection_id,
        items=chunk,
        next=f"{collection_id}?page={number + 1}" if more else None,
        prev=f"{collection_id}?page={number - 1}" if number > 1 else None,
    )


def featured(session: Session, rt: Runtime, username: str) -> dict[str, Any]:
    account = local_account(session, username)
    pinned = [
        s
        for s in interaction_store.pinned_statuses(session, account.id)
        if s.visibility in PUBLIC_VISIBILITIES
    ]
    notes = [to_activitypub.note(v, rt.urls) for v in status_views(session, pinned, None)]
    return builders.ordered_collection(id=rt.urls.featured(username), total_items=len(notes), items=notes)


def endorsements(session: Session, rt: Runtime, username: str) -> dict[str, Any]:
    """The accounts the profile endorses, newest first, as actor ids (fedi's `endorsements`;
    at most MAX_ENDORSEMENTS, so one page)."""
    account = local_account(session, username)
    rows = relationship_store.endorsements(session, account.id, Page(limit=MAX_ENDORSEMENTS))
    items = [a.uri for _, a in rows if not a.suspended]
    return builders.ordered_collection(id=rt.urls.endorsements(username), total_items=len(items), items=items)


def featured_tags(session: Session, rt: Runtime, username: str) -> dict[str, Any]:
    """The profile's featured hashtags, as Mastodon publishes them (Hashtag objects)."""
    account = local_account(session, username)
    items = [
        {"type": "Hashtag", "href": rt.urls.tag(tag.name), "name": f"#{tag.display_name}"}
        for _, tag in featured_store.of_account(session, account.id)
    ]
    return builders.ordered_collection(
        id=rt.urls.featured_tags(username), total_items=len(items), items=items
    )


def custom_emoji(session: Session, rt: Runtime, emoji_id: int) -> dict[str, Any]:
    """A local custom emoji at its id (`/emojis/:id`), as Mastodon serves it."""
    found = session.get(CustomEmoji, emoji_id)
    if found is None or not found.local:
        raise NotFound()
    return builders.emoji(to_activitypub.emoji(found, rt.urls))


# Discovery -------------------------------------------------------------------------------


def webfinger(session: Session, rt: Runtime, resource: str) -> dict[str, Any]:
    if not resource:
        raise BadRequest("the resource parameter is required")
    if len(resource) > 1000:
        raise BadRequest("the resource is too long")
    domain = rt.settings.instance.domain
    username = _username_for(rt, resource)
    if username is None:
        raise NotFound()
    if username.lower() == domain.lower():
        account = account_store.by_uri(session, rt.urls.instance_actor())
    else:
        account = account_store.by_acct(session, username, None)
    if (
        account is None
        or account.suspended
        or (account.username == INSTANCE_ACTOR_USERNAME and username != domain)
    ):
        raise NotFound()
    shown = domain if account.username == INSTANCE_ACTOR_USERNAME else account.username
    profile = account.url or rt.urls.profile(account.username)
    return jrd(
        Acct(shown, domain),
        actor_url=account.uri,
        profile_url=profile,
        aliases=(profile, account.uri),
        subscribe_template=remote_follow.interaction_url(rt),
    )


def _username_for(rt: Runtime, resource: str) -> str | None:
    """The local username a WebFinger resource names (acct:, or one of our actor/profile URLs)."""
    if resource.startswith(("https://", "http://")):
        try:
            if host_of(resource) != rt.urls.host:
                return None
        except FormatError:
            raise BadRequest("the resource is not a valid URL") from None
        path = urlsplit(resource).path.lstrip("/")
        if path == "actor":
            return rt.settings.instance.domain
        for prefix in ("users/", "@"):
            if path.startswith(prefix) and "/" not in path[len(prefix) :]:
                return path[len(prefix) :] or None
        return None
    try:
        acct = parse_acct(resource)
    except FormatError:
        raise BadRequest("the resource is not an acct: URI") from None
    if acct.host.lower() != rt.settings.instance.domain.lower():
        return None
    return acct.username


def nodeinfo_document(session: Session, rt: Runtime, version: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    users = instance_store.local_users(session)
    active = instance_store.active_local_authors(session, now - timedelta(days=30))
    half_year = instance_store.active_local_authors(session, now - timedelta(days=180))
    posts = instance_store.local_statuses(session)
    settings = rt.settings
    return nodeinfo(
        "2.1" if version == "2.1" else "2.0",
        software_name="fedi",
        software_version=__version__,
        repository="https://github.com/fedi-ai/fedi",
        homepage=rt.urls.base,
        total_users=users,
        active_month=active,
        active_halfyear=half_year,
        local_posts=posts,
        open_registrations=settings.instance.registrations_open,
        metadata={
            "nodeName": settings.instance.name,
            "nodeDescription": settings.instance.description,
            "generation": {"enabled": settings.generation.enabled, "preset": settings.generation.preset},
        },
    )

"""Our models as Mastodon client API entities (docs.joinmastodon.org/entities), as pure functions.

What real clients rely on: ids are strings; times are ISO 8601 with milliseconds and `Z`;
lists are `[]`, never null; avatar and header URLs are absolute and never empty (a default
image); `group`, `limited`, `bot`, `discoverable`, `indexable`, `noindex`, `roles` and
`hide_collections` are always present. fedi's extension, `fedi_generation` (how an image was
made), rides along on media and statuses; stock clients ignore unknown keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from fedi import __version__
from fedi.config import Settings
from fedi.convert.common import avatar_url, emoji_url, header_url, media_url, preview_url
from fedi.media.images import SUPPORTED_TYPES
from fedi.models.accounts import Account, Role, User
from fedi.models.emojis import CustomEmoji
from fedi.models.filters import Filter, FilterKeyword, FilterStatus
from fedi.models.generations import Generation
from fedi.models.lists import UserList
from fedi.models.media import MediaAttachment
from fedi.models.moderation import DomainAllow, DomainBlock
from fedi.models.notifications import Marker, NotificationRequest
from fedi.models.oauth import OAuthApplication
from fedi.models.polls import (
    MAX_CHARACTERS_PER_OPTION,
    MAX_EXPIRATION,
    MAX_OPTIONS,
    MIN_EXPIRATION,
    Poll,
)
from fedi.models.push import PUSH_ALERTS, PushSubscription
from fedi.models.scheduled_statuses import ScheduledStatus
from fedi.models.statuses import Status, StatusEdit, Tag
from fedi.store.featured_tags import Featured
from fedi.store.moderation import Rule
from fedi.store.tag_trends import Day
from fedi.store.views import (
    ConversationView,
    FilterMatch,
    FilterView,
    GroupPage,
    NotificationView,
    PollView,
    ReportView,
    StatusView,
)
from fedi.urls import Urls

# The Mastodon release whose API fedi implements; clients parse the leading semver.
MASTODON_VERSION = "4.3.0"
VERSION = f"{MASTODON_VERSION} (compatible; fedi {__version__})"
# 2: grouped notifications (/api/v2/notifications) are implemented.
API_VERSIONS = {"mastodon": 2}
# The same repository NodeInfo names (fedi/services/federation/documents.py).
SOURCE_URL = "https://github.com/fedi-ai/fedi"

Entity = dict[str, Any]


def iso(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_or_none(moment: datetime | None) -> str | None:
    return iso(moment) if moment is not None else None


def _id(value: int | None) -> str | None:
    return str(value) if value is not None else None


# Accounts ------------------------------------------------------------------------------------


def account(item: Account, urls: Urls) -> Entity:
    avatar, header = avatar_url(item, urls), header_url(item, urls)
    return {
        "id": str(item.id),
        "username": item.username,
        "acct": item.acct(),
        "url": item.url or item.uri,
        "uri": item.uri,
        "display_name": item.display_name,
        "note": item.note,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "locked": item.locked,
        "fields": [
            {"name": f.get("name", ""), "value": f.get("value", ""), "verified_at": f.get("verified_at")}
            for f in item.fields
        ],
        "emojis": [_account_emoji(e) for e in item.emojis],
        "bot": item.bot,
        "group": item.actor_type == "Group",
        "discoverable": item.discoverable,
        "indexable": item.indexable,
        "noindex": not item.indexable,
        "hide_collections": False,
        "limited": item.silenced,
        "memorial": item.memorial,
        "suspended": item.suspended,
        "roles": [],
        "created_at": iso(item.created_at),
        "last_status_at": item.last_status_at.date().isoformat() if item.last_status_at else None,
        "statuses_count": item.statuses_count,
        "followers_count": item.followers_count,
        "following_count": item.following_count,
    }


def custom_emoji(item: CustomEmoji, urls: Urls) -> Entity:
    """Mastodon's CustomEmoji (static_url is the same image: fedi keeps no animated copies)."""
    url = emoji_url(item, urls)
    return {
        "shortcode": item.shortcode,
        "url": url,
        "static_url": url,
        "visible_in_picker": item.visible_in_picker,
        "category": item.category,
    }


def _account_emoji(snapshot: Mapping[str, Any]) -> Entity:
    return {
        "shortcode": snapshot.get("shortcode", ""),
        "url": snapshot.get("url", ""),
        "static_url": snapshot.get("url", ""),
        "visible_in_picker": True,
        "category": snapshot.get("category"),
    }


def credential_account(item: Account, user: User, urls: Urls, *, follow_requests_count: int) -> Entity:
    """The logged-in user's own account, with what their profile editor and composer need."""
    return account(item, urls) | {
        "source": {
            "privacy": user.default_visibility,
            "sensitive": user.default_sensitive,
            "language": user.default_language or "",
            "note": item.note_source,
            "fields": [
                {"name": f.get("name", ""), "value": f.get("source", f.get("value", "")), "verified_at": None}
                for f in item.fields
            ],
            "follow_requests_count": follow_requests_count,
            "hide_collections": False,
            "discoverable": item.discoverable,
            "indexable": item.indexable,
            "attribution_domains": [],
        },
        "role": role(user),
    }


# Mastodon's default roles: ids and permission bits (UserRole::FLAGS) as its seeds make them.
_ROLES: dict[str, Entity] = {
    Role.USER: {"id": "-99", "name": "", "permissions": "65536", "color": "", "highlighted": False},
    Role.MODERATOR: {"id": "1", "name": "Moderator", "permissions": "1308", "color": "", "highlighted": True},
    Role.ADMIN: {"id": "2", "name": "Admin", "permissions": "1048572", "color": "", "highlighted": True},
    Role.OWNER: {"id": "3", "name": "Owner", "permissions": "1048575", "color": "", "highlighted": True},
}


def role(user: User) -> Entity:
    return dict(_ROLES[Role(user.role)])


def relationship(fields: Mapping[str, Any]) -> Entity:
    """From a Relationship's fields (dataclasses.asdict)."""
    return {**fields, "id": str(fields["id"]), "languages": None}


# Statuses ------------------------------------------------------------------------------------


def status(view: StatusView, urls: Urls, viewer_id: int | None = None) -> Entity:
    """A status as this viewer sees it: what everyone sees alike (`status_body`, made once per
    loaded status), and what depends on the viewer or on the time, made per request here. A
    new field goes in the one of the two it belongs to."""
    if view.reblog is not None:
        return _boost(view, urls, viewer_id)
    entity = status_body(view, urls) | {
        # The viewer's votes, and whether the poll is over by now.
        "poll": poll(view.poll, viewer_id) if view.poll is not None else None,
        "filtered": [filter_result(m) for m in view.filtered],
        "favourited": view.favourited,
        "reblogged": view.reblogged,
        "muted": view.muted,
        "bookmarked": view.bookmarked,
    }
    if viewer_id is not None and viewer_id == view.status.account_id:
        entity["pinned"] = view.pinned
    return entity


def status_body(view: StatusView, urls: Urls) -> Entity:
    """The fields of a status every viewer sees alike, made once per loaded status (views made
    from remembered parts keep it there: fedi/store/views.py). Shared: never change it."""
    parts = view.parts
    if parts is not None and parts.rendered is not None:
        return parts.rendered
    item = view.status
    entity: Entity = {
        "id": str(item.id),
        "uri": item.uri,
        "url": item.url or item.uri,
        "created_at": iso(item.created_at),
        "edited_at": iso_or_none(item.edited_at),
        "account": account(view.account, urls),
        "in_reply_to_id": _id(item.in_reply_to_id),
        "in_reply_to_account_id": _id(item.in_reply_to_account_id),
        "reblog": None,
        "content": item.content,
        "visibility": item.visibility,
        # A moderator can mark everything an account posts sensitive.
        "sensitive": item.sensitive or view.account.sensitized,
        "spoiler_text": item.spoiler_text,
        "language": item.language,
        "media_attachments": [media(m, urls) for m in view.media],
        "mentions": [mention(a) for a in view.mentions],
        "tags": [{"name": t.name, "url": urls.tag(t.name)} for t in view.tags],
        "emojis": [custom_emoji(e, urls) for e in view.emojis],
        "reblogs_count": item.reblogs_count,
        "favourites_count": item.favourites_count,
        "replies_count": item.replies_count,
        "application": _application_of(item),
        "card": None,
    }
    if generated := next((m.generation for m in view.media if m.generation), None):
        entity["fedi_generation"] = generated
    if parts is not None:
        parts.rendered = entity
    return entity


def poll(view: PollView, viewer_id: int | None) -> Entity:
    """Mastodon's Poll; `voted` and `own_votes` only for a signed-in viewer, and option totals
    hidden (null) until the end when the author asked for that."""
    item = view.poll
    expired = is_expired(item)
    shown = expired or not item.hide_totals
    tallies = item.cached_tallies
    entity: Entity = {
        "id": str(item.id),
        "expires_at": iso_or_none(item.expires_at),
        "expired": expired,
        "multiple": item.multiple,
        "votes_count": item.votes_count,
        "voters_count": item.voters_count,
        "options": [
            {"title": title, "votes_count": (tallies[i] if i < len(tallies) else 0) if shown else None}
            for i, title in enumerate(item.options)
        ],
        "emojis": [],
    }
    if viewer_id is not None:
        entity["voted"] = view.voted
        entity["own_votes"] = view.own_votes
    return entity


def is_expired(item: Poll) -> bool:
    return item.closed_at is not None or (
        item.expires_at is not None and item.expires_at <= datetime.now(UTC)
    )


def _boost(view: StatusView, urls: Urls, viewer_id: int | None) -> Entity:
    """A boost wraps the boosted status; its own fields are empty, its flags the original's."""
    assert view.reblog is not None
    inner = status(view.reblog, urls, viewer_id)
    item = view.status
    return {
        **{key: inner[key] for key in ("favourited", "reblogged", "muted", "bookmarked")},
        "id": str(item.id),
        "uri": item.uri,
        "url": item.url or item.uri,
        "created_at": iso(item.created_at),
        "edited_at": None,
        "account": account(view.account, urls),
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "reblog": inner,
        "content": "",
        "visibility": item.visibility,
        "sensitive": False,
        "spoiler_text": "",
        "language": None,
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "reblogs_count": 0,
        "favourites_count": 0,
        "replies_count": 0,
        "application": None,
        "poll": None,
        "card": None,
        "filtered": inner["filtered"],
    }


def _application_of(item: Status) -> Entity | None:
    if not item.local or not item.application:
        return None
    return {"name": item.application.get("name", ""), "website": item.application.get("website")}


def deleted_status(view: StatusView, urls: Urls) -> Entity:
    """What DELETE answers: the status with its source text, for delete-and-redraft."""
    return status(view, urls, view.status.account_id) | {"text": view.status.text}


def mention(item: Account) -> Entity:
    return {"id": str(item.id), "username": item.username, "url": item.url or item.uri, "acct": item.acct()}


def status_source(item: Status) -> Entity:
    return {"id": str(item.id), "text": item.text, "spoiler_text": item.spoiler_text}


def status_edit(
    edit: StatusEdit, author: Account, media_by_id: Mapping[int, MediaAttachment], urls: Urls
) -> Entity:
    attachments = []
    for entry in edit.media:
        found = media_by_id.get(int(entry.get("id", 0)))
        if found is not None:
            attachments.append(media(found, urls) | {"description": entry.get("description") or None})
    return {
        "content": edit.content,
        "spoiler_text": edit.spoiler_text,
        "sensitive": edit.sensitive,
        "created_at": iso(edit.created_at),
        "account": account(author, urls),
        "poll": None,
        "media_attachments": attachments,
        "emojis": [],
    }


def context(
    ancestors: list[StatusView], descendants: list[StatusView], urls: Urls, viewer_id: int | None
) -> Entity:
    return {
        "ancestors": [status(v, urls, viewer_id) for v in ancestors],
        "descendants": [status(v, urls, viewer_id) for v in descendants],
    }


def lineage(
    ancestors: list[tuple[str, StatusView | None]],
    descendants: list[tuple[str, StatusView | None]],
    urls: Urls,
    viewer_id: int | None,
) -> Entity:
    """Each link: the post's URI, and the post itself when this server has it for the viewer."""

    def link(uri: str, view: StatusView | None) -> Entity:
        return {"uri": uri, "status": status(view, urls, viewer_id) if view else None}

    return {
        "ancestors": [link(*item) for item in ancestors],
        "descendants": [link(*item) for item in descendants],
    }


def tag(item: Tag, urls: Urls, *, following: bool = False, history: list[Day] | None = None) -> Entity:
    return {
        "id": str(item.id),
        "name": item.display_name,
        "url": urls.tag(item.name),
        "history": [
            {"day": str(int(d.start.timestamp())), "uses": str(d.uses), "accounts": str(d.accounts)}
            for d in history or []
        ],
        "following": following,
    }


def featured_tag(item: Featured, owner: Account, urls: Urls) -> Entity:
    return {
        "id": str(item.row.id),
        "name": item.tag.display_name,
        "url": f"{urls.profile(owner.username)}/tagged/{item.tag.name}",
        "statuses_count": str(item.statuses_count),
        "last_status_at": item.last_status_at.date().isoformat() if item.last_status_at else None,
    }


# Media ---------------------------------------------------------------------------------------


def media(item: MediaAttachment, urls: Urls) -> Entity:
    ready = item.ready
    entity: Entity = {
        "id": str(item.id),
        "type": item.type,
        # Clients wait for a URL: none while the image is being made (Mastodon's 202/206 rule).
        "url": media_url(item, urls) if ready else None,
        "preview_url": preview_url(item, urls) if ready or item.thumbnail_key else None,
        "remote_url": item.remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": _meta(item),
        "description": item.description or None,
        "blurhash": item.blurhash,
    }
    if item.generation:
        entity["fedi_generation"] = item.generation
    return entity


def _meta(item: MediaAttachment) -> Entity:
    meta: Entity = {"focus": {"x": item.focus_x, "y": item.focus_y}}
    if item.width and item.height:
        meta["original"] = _size(item.width, item.height)
    if item.thumbnail_width and item.thumbnail_height:
        meta["small"] = _size(item.thumbnail_width, item.thumbnail_height)
    return meta


def _size(width: int, height: int) -> Entity:
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": width / height}


def conversation(view: ConversationView, urls: Urls, viewer_id: int) -> Entity:
    return {
        "id": str(view.conversation.id),
        "unread": view.conversation.unread,
        "accounts": [account(a, urls) for a in view.accounts],
        "last_status": status(view.last_status, urls, viewer_id) if view.last_status else None,
    }


def filter_v2(view: FilterView) -> Entity:
    return _filter(view.filter) | {
        "keywords": [filter_keyword(k) for k in view.keywords],
        "statuses": [filter_status(s) for s in view.statuses],
    }


def _filter(item: Filter) -> Entity:
    return {
        "id": str(item.id),
        "title": item.title,
        "context": list(item.context),
        "expires_at": iso_or_none(item.expires_at),
        "filter_action": item.action,
    }


def filter_keyword(item: FilterKeyword) -> Entity:
    return {"id": str(item.id), "keyword": item.keyword, "whole_word": item.whole_word}


def filter_status(item: FilterStatus) -> Entity:
    return {"id": str(item.id), "status_id": str(item.status_id)}


def filter_result(match: FilterMatch) -> Entity:
    return {
        "filter": _filter(match.filter),
        "keyword_matches": match.keyword_matches,
        "status_matches": [str(i) for i in match.status_matches] if match.status_matches else None,
    }


def filter_v1(keyword: FilterKeyword, item: Filter) -> Entity:
    """A v1 filter is one keyword of a v2 filter (Mastodon's own mapping)."""
    return {
        "id": str(keyword.id),
        "phrase": keyword.keyword,
        "context": list(item.context),
        "whole_word": keyword.whole_word,
        "expires_at": iso_or_none(item.expires_at),
        "irreversible": item.action == "hide",
    }


def user_list(item: UserList) -> Entity:
    return {
        "id": str(item.id),
        "title": item.title,
        "replies_policy": item.replies_policy,
        "exclusive": item.exclusive,
    }


# Notifications, markers, preferences -----------------------------------------------------------


def notification(
    view: NotificationView, urls: Urls, viewer_id: int | None, *, fedi_types: bool = False
) -> Entity:
    """`fedi_types`: the client asked for fedi's own types; others see them as their nearest
    Mastodon type (a remix as a mention of its author)."""
    item = view.notification
    entity: Entity = {
        "id": str(item.id),
        "type": item.type if fedi_types else FEDI_TYPES_SHOWN_AS.get(item.type, item.type),
        "created_at": iso(item.created_at),
        "group_key": item.group_key or f"ungrouped-{item.id}",
        "account": account(view.account, urls),
    }
    if view.status is not None:
        entity["status"] = status(view.status, urls, viewer_id)
    if view.report is not None:
        entity["report"] = report(view.report, urls)
    return entity


FEDI_TYPES_SHOWN_AS = {"fedi_remix": "mention"}


def notification_request(
    item: NotificationRequest, sender: Account, last: StatusView | None, urls: Urls, viewer_id: int
) -> Entity:
    """Mastodon's NotificationRequest (`notifications_count` is a string there too)."""
    return {
        "id": str(item.id),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "account": account(sender, urls),
        "notifications_count": str(item.notifications_count),
        "last_status": status(last, urls, viewer_id) if last is not None else None,
    }


def report(view: ReportView, urls: Urls) -> Entity:
    """Mastodon's Report entity (what the reporter and the notified moderators see)."""
    item = view.report
    return {
        "id": str(item.id),
        "action_taken": item.action_taken_at is not None,
        "action_taken_at": iso_or_none(item.action_taken_at),
        "category": item.category,
        "comment": item.comment,
        "forwarded": item.forwarded,
        "created_at": iso(item.created_at),
        "status_ids": [str(s.id) for s in view.statuses],
        "rule_ids": [str(r) for r in item.rule_ids],
        "target_account": account(view.target, urls),
    }


# Types whose group names a status (Mastodon's NotificationGroupSerializer#status_type?).
_STATUS_TYPES = ("favourite", "reblog", "status", "mention", "poll", "update")


def grouped_notifications(
    found: GroupPage, urls: Urls, viewer_id: int, *, paginated: bool, partial_accounts: bool = False
) -> Entity:
    """GroupedNotificationsResults: groups refer to accounts and statuses listed once each.

    With `partial_accounts` (`expand_accounts=partial_avatars`), only each group's newest account
    and the statuses' authors come in full; the other sample accounts come as partial ones."""
    groups = []
    statuses: dict[int, Entity] = {}
    full_ids: set[int] = set()
    for group in found.groups:
        entity: Entity = {
            "group_key": group.key,
            "notifications_count": group.count,
            "type": group.notification.type,
            "most_recent_notification_id": str(group.newest_id),
            "sample_account_ids": [str(a) for a in group.sample_ids if a in found.accounts],
        }
        if paginated:
            entity |= {
                "page_min_id": str(group.page_min_id),
                "page_max_id": str(group.newest_id),
                "latest_page_notification_at": iso(group.page_newest_at),
            }
        if group.status is not None and group.notification.type in _STATUS_TYPES:
            entity["status_id"] = str(group.status.status.id)
            statuses.setdefault(group.status.status.id, status(group.status, urls, viewer_id))
            full_ids.add(group.status.account.id)
        full_ids |= set(group.sample_ids[:1] if partial_accounts else group.sample_ids)
        groups.append(entity)
    shown = [a for a in found.accounts.values() if a.id in full_ids]
    result: Entity = {
        "accounts": [account(a, urls) for a in shown],
        "statuses": list(statuses.values()),
        "notification_groups": groups,
    }
    if partial_accounts:
        others = [a for a in found.accounts.values() if a.id not in full_ids]
        result["partial_accounts"] = [_partial_account(a, urls) for a in others]
    return result


def _partial_account(item: Account, urls: Urls) -> Entity:
    whole = account(item, urls)
    return {key: whole[key] for key in ("id", "acct", "locked", "bot", "url", "avatar", "avatar_static")}


def marker(item: Marker) -> Entity:
    return {
        "last_read_id": str(item.last_read_id),
        "version": item.version,
        "updated_at": iso(item.updated_at),
    }


def preferences(user: User) -> Entity:
    return {
        "posting:default:visibility": user.default_visibility,
        "posting:default:sensitive": user.default_sensitive,
        "posting:default:language": user.default_language,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    }


# OAuth ---------------------------------------------------------------------------------------


def application(
    app: OAuthApplication, *, client_secret: str | None = None, vapid_key: str | None = None
) -> Entity:
    uris = app.redirect_uris.split("\n")
    entity: Entity = {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": app.scopes.split(),
        "redirect_uri": "\n".join(uris),
        "redirect_uris": uris,
    }
    if client_secret is not None:
        entity |= {"client_id": app.client_id, "client_secret": client_secret, "client_secret_expires_at": 0}
    if vapid_key is not None:
        entity["vapid_key"] = vapid_key
    return entity


def scheduled_status(item: ScheduledStatus, media_items: Sequence[MediaAttachment], urls: Urls) -> Entity:
    """Mastodon's ScheduledStatus: the time, the parameters kept, the reserved media."""
    return {
        "id": str(item.id),
        "scheduled_at": iso(item.scheduled_at),
        "params": dict(item.params),
        "media_attachments": [media(m, urls) for m in media_items],
    }


def push_subscription(item: PushSubscription, server_key: str) -> Entity:
    """Mastodon's WebPushSubscription."""
    return {
        "id": str(item.id),
        "endpoint": item.endpoint,
        "standard": item.standard,
        "alerts": {name: bool(item.alerts.get(name, False)) for name in PUSH_ALERTS},
        "server_key": server_key,
        "policy": item.policy,
    }


def token(access_token: str, scopes: str, created_at: datetime) -> Entity:
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "scope": scopes,
        "created_at": int(created_at.timestamp()),
    }


def userinfo(item: Account, urls: Urls) -> Entity:
    return {
        "iss": urls.base + "/",
        "sub": item.uri,
        "name": item.display_name or item.username,
        "preferred_username": item.username,
        "profile": item.url or item.uri,
        "picture": avatar_url(item, urls),
    }


# Instance ------------------------------------------------------------------------------------


def _limits(settings: Settings) -> Entity:
    return {
        "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
        "statuses": {
            "max_characters": settings.api.max_characters,
            "max_media_attachments": 4,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "supported_mime_types": list(SUPPORTED_TYPES),
            "description_limit": 1500,
            "image_size_limit": settings.media.max_upload_bytes,
            "image_matrix_limit": settings.media.max_pixels,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": {
            "max_options": MAX_OPTIONS,
            "max_characters_per_option": MAX_CHARACTERS_PER_OPTION,
            "min_expiration": MIN_EXPIRATION,
            "max_expiration": MAX_EXPIRATION,
        },
    }


def streaming_url(urls: Urls) -> str:
    return "ws" + urls.base.removeprefix("http")


def rules(items: Sequence[Rule]) -> list[Entity]:
    return [{"id": str(rule.id), "text": rule.text, "hint": rule.hint} for rule in items]


def instance_v2(
    settings: Settings,
    urls: Urls,
    *,
    contact: Account | None,
    active_month: int,
    rules_in_force: Sequence[Rule],
    vapid_key: str,
) -> Entity:
    return {
        "domain": settings.instance.domain,
        "title": settings.instance.name,
        "version": VERSION,
        "source_url": SOURCE_URL,
        "description": settings.instance.description,
        "usage": {"users": {"active_month": active_month}},
        "thumbnail": {"url": urls.static("header.png")},
        "icon": [],
        "languages": ["en"],
        "configuration": {
            "urls": {"streaming": streaming_url(urls), "status": None},
            **_limits(settings),
            "translation": {"enabled": False},
            "vapid": {"public_key": vapid_key},
            # Link timelines (`trending_link_feeds`) do not exist here.
            "timelines_access": {
                "live_feeds": {"local": "public", "remote": "public"},
                "hashtag_feeds": {"local": "public", "remote": "public"},
            },
        },
        "registrations": {
            "enabled": settings.instance.registrations_open,
            "approval_required": settings.instance.approval_required,
            "message": None,
            "url": None,
        },
        "api_versions": API_VERSIONS,
        "contact": {
            "email": settings.instance.contact_email,
            "account": account(contact, urls) if contact else None,
        },
        "rules": rules(rules_in_force),
    }


def instance_v1(
    settings: Settings,
    urls: Urls,
    *,
    contact: Account | None,
    user_count: int,
    status_count: int,
    domain_count: int,
    rules_in_force: Sequence[Rule],
) -> Entity:
    return {
        "uri": settings.instance.domain,
        "title": settings.instance.name,
        "short_description": settings.instance.description,
        "description": settings.instance.description,
        "email": settings.instance.contact_email,
        "version": VERSION,
        "urls": {"streaming_api": streaming_url(urls)},
        "stats": {"user_count": user_count, "status_count": status_count, "domain_count": domain_count},
        "thumbnail": urls.static("header.png"),
        "languages": ["en"],
        "registrations": settings.instance.registrations_open,
        "approval_required": settings.instance.approval_required,
        "invites_enabled": False,
        "configuration": _limits(settings),
        "contact_account": account(contact, urls) if contact else None,
        "rules": rules(rules_in_force),
    }


def fedi_extension(preset: str, *, reason: str | None, message: str) -> Entity:
    """The instance's `fedi` key: whether images can be asked for now, and if not, why."""
    return {
        "fedi": {
            "generation": {
                "ready": reason is None,
                "reason": reason,
                "message": message or None,
                "preset": preset,
            }
        }
    }


def generation(row: Generation, media_item: MediaAttachment | None, urls: Urls) -> Entity:
    """fedi's Generation entity: what was asked, how far it is, and the media it fills."""
    total = max(row.progress_total, 1)
    return {
        "id": str(row.id),
        "state": row.state,
        "progress": {
            "step": row.progress_step,
            "total": row.progress_total,
            "fraction": row.progress_step / total,
        },
        "prompt": row.prompt,
        "negative_prompt": row.negative_prompt,
        "preset": row.preset,
        "width": row.width,
        "height": row.height,
        "steps": row.steps,
        "guidance": row.guidance,
        "seed": row.seed,
        "error": row.error,
        "remix_of": row.remix_of_uri,
        "status_id": str(row.status_id) if row.status_id else None,
        "media_attachment": media(media_item, urls) if media_item is not None else None,
        "created_at": iso(row.created_at),
        "finished_at": iso_or_none(row.finished_at),
    }


# Moderation ----------------------------------------------------------------------------------


def obfuscated(domain: str) -> str:
    """The middle of the name starred out, dots kept (Mastodon's obfuscated blocks)."""
    keep = len(domain) // 4
    return "".join(
        "*" if keep < i < len(domain) - keep and char != "." else char for i, char in enumerate(domain)
    )


def instance_domain_block(item: DomainBlock) -> Entity:
    """A block as /api/v1/instance/domain_blocks lists it: the digest lets a reader check a
    domain they know against an obfuscated entry."""
    return {
        "domain": obfuscated(item.domain) if item.obfuscate else item.domain,
        "digest": hashlib.sha256(item.domain.encode()).hexdigest(),
        "severity": item.severity,
        "comment": item.public_comment or "",
    }


def admin_domain_block(item: DomainBlock) -> Entity:
    return {
        "id": str(item.id),
        "domain": item.domain,
        "digest": hashlib.sha256(item.domain.encode()).hexdigest(),
        "created_at": iso(item.created_at),
        "severity": item.severity,
        "reject_media": item.reject_media,
        "reject_reports": item.reject_reports,
        "private_comment": item.private_comment,
        "public_comment": item.public_comment,
        "obfuscate": item.obfuscate,
    }


def admin_domain_allow(item: DomainAllow) -> Entity:
    return {"id": str(item.id), "domain": item.domain, "created_at": iso(item.created_at)}


def admin_account(item: Account, user: User | None, urls: Urls) -> Entity:
    """Mastodon's Admin::Account (no IP addresses are kept here: `ip` is null, `ips` empty)."""
    return {
        "id": str(item.id),
        "username": item.username,
        "domain": item.domain,
        "created_at": iso(item.created_at),
        "email": user.email if user is not None else None,
        "ip": None,
        "ips": [],
        "locale": user.locale if user is not None else None,
        "invite_request": (user.sign_up_reason or None) if user is not None else None,
        "role": role(user) if user is not None else None,
        "confirmed": user is not None,
        "approved": user.approved if user is not None else True,
        "disabled": user.disabled if user is not None else False,
        "silenced": item.silenced,
        "suspended": item.suspended,
        "sensitized": item.sensitized,
        "account": account(item, urls),
        "created_by_application_id": None,
        "invited_by_account_id": None,
    }


def admin_report(
    view: ReportView,
    users: Mapping[int, User],
    statuses: list[StatusView],
    known_rules: Mapping[int, Rule],
    urls: Urls,
) -> Entity:
    """Mastodon's Admin::Report; `users` holds the logins of the local accounts it names."""
    item = view.report

    def named(who: Account | None) -> Entity | None:
        return admin_account(who, users.get(who.id), urls) if who is not None else None

    return {
        "id": str(item.id),
        "action_taken": item.action_taken_at is not None,
        "action_taken_at": iso_or_none(item.action_taken_at),
        "category": item.category,
        "comment": item.comment,
        "forwarded": item.forwarded,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "account": named(view.reporter),
        "target_account": named(view.target),
        "assigned_account": named(view.assigned),
        "action_taken_by_account": named(view.action_taken_by),
        "statuses": [status(s, urls) for s in statuses],
        "rules": rules([known_rules[n] for n in item.rule_ids if n in known_rules]),
    }

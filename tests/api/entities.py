"""The fields real clients require of each entity (INTEROP.md §1), as data, and a checker.

Markers: "id" a string of digits; "str"/"int"/"bool"/"float"; "url" an absolute, non-empty
http(s) URL; "time" ISO 8601 with milliseconds and Z; "date" YYYY-MM-DD; a trailing "?"
allows null; [spec] a list whose items match spec; a dict a nested object.
"""

from __future__ import annotations

import re
from typing import Any

TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

FIELD = {"name": "str", "value": "str", "verified_at": "time?"}
CUSTOM_EMOJI = {
    "shortcode": "str",
    "url": "url",
    "static_url": "url",
    "visible_in_picker": "bool",
    "category": "str?",
}
ACCOUNT: dict[str, Any] = {
    # Ice Cubes Models/Account.swift, Tusky entity/Account.kt, Fedilab (GTS #1333)
    "id": "id",
    "username": "str",
    "acct": "str",
    "display_name": "str",
    "avatar": "url",
    "avatar_static": "url",
    "header": "url",
    "header_static": "url",
    "note": "str",
    "url": "url",
    "uri": "url",
    "created_at": "time",
    "fields": [FIELD],
    "locked": "bool",
    "emojis": [CUSTOM_EMOJI],
    "bot": "bool",
    "group": "bool",
    "limited": "bool",
    "discoverable": "bool",
    "indexable": "bool",
    "noindex": "bool",
    "roles": [],
    "hide_collections": "bool",
    "followers_count": "int",
    "following_count": "int",
    "statuses_count": "int",
    "last_status_at": "date?",
}
CREDENTIAL_ACCOUNT: dict[str, Any] = ACCOUNT | {
    "source": {
        "privacy": "str",
        "sensitive": "bool",
        "language": "str",
        "note": "str",
        "fields": [FIELD],
        "follow_requests_count": "int",
    },
    "role": {"id": "str", "name": "str", "permissions": "str", "color": "str", "highlighted": "bool"},
}
SIZE = {"width": "int", "height": "int", "size": "str", "aspect": "float"}
MEDIA_ATTACHMENT: dict[str, Any] = {
    "id": "id",
    "type": "str",
    "url": "url",
    "preview_url": "url",
    "remote_url": "url?",
    "meta": {"original": SIZE, "small": SIZE, "focus": {"x": "float", "y": "float"}},
    "description": "str?",
    "blurhash": "str",
}
MENTION = {"id": "id", "username": "str", "url": "url", "acct": "str"}
STATUS: dict[str, Any] = {
    # Tusky entity/Status.kt (+ tags from Ice Cubes Models/Status.swift)
    "id": "id",
    "uri": "url",
    "url": "url",
    "account": ACCOUNT,
    "content": "str",
    "created_at": "time",
    "edited_at": "time?",
    "emojis": [CUSTOM_EMOJI],
    "reblogs_count": "int",
    "favourites_count": "int",
    "replies_count": "int",
    "sensitive": "bool",
    "spoiler_text": "str",
    "visibility": "str",
    "media_attachments": [MEDIA_ATTACHMENT],
    "mentions": [MENTION],
    "tags": [{"name": "str", "url": "url"}],
    "in_reply_to_id": "id?",
    "in_reply_to_account_id": "id?",
    "reblog": "dict?",
    "language": "str?",
    "favourited": "bool",
    "reblogged": "bool",
    "bookmarked": "bool",
    "muted": "bool",
    "filtered": [],
    "card": "dict?",
    "poll": "dict?",
    "application": "dict?",
}
# Mastodon's Poll as a signed-in viewer gets it (Tusky entity/Poll.kt, Ice Cubes Models/Poll.swift).
POLL = {
    "id": "id",
    "expires_at": "time?",
    "expired": "bool",
    "multiple": "bool",
    "votes_count": "int",
    "voters_count": "int?",
    "options": [{"title": "str", "votes_count": "int?"}],
    "emojis": [],
    "voted": "bool",
    "own_votes": ["int"],
}
NOTIFICATION = {"id": "id", "type": "str", "created_at": "time", "account": ACCOUNT, "group_key": "str"}
# Mastodon 4.3 GroupedNotificationsResults (docs.joinmastodon.org/methods/grouped_notifications)
NOTIFICATION_REQUEST = {
    "id": "id",
    "created_at": "time",
    "updated_at": "time",
    "account": ACCOUNT,
    "notifications_count": "str",
    "last_status": "dict?",
}
NOTIFICATION_GROUP = {
    "group_key": "str",
    "notifications_count": "int",
    "type": "str",
    "most_recent_notification_id": "id",
    "page_min_id": "id",
    "page_max_id": "id",
    "latest_page_notification_at": "time",
    "sample_account_ids": ["id"],
}
GROUPED_NOTIFICATIONS = {
    "accounts": [ACCOUNT],
    "statuses": [STATUS],
    "notification_groups": [NOTIFICATION_GROUP],
}
RELATIONSHIP = {
    key: "bool"
    for key in (
        "following",
        "showing_reblogs",
        "notifying",
        "followed_by",
        "blocking",
        "blocked_by",
        "muting",
        "muting_notifications",
        "requested",
        "requested_by",
        "domain_blocking",
        "endorsed",
    )
} | {"id": "id", "note": "str"}
CONTEXT = {"ancestors": [STATUS], "descendants": [STATUS]}
APPLICATION = {
    "id": "id",
    "name": "str",
    "website": "str?",
    "scopes": ["str"],
    "redirect_uri": "str",
    "redirect_uris": ["str"],
    "client_id": "str",
    "client_secret": "str",
    "vapid_key": "str",
}
TOKEN = {"access_token": "str", "token_type": "str", "scope": "str", "created_at": "int"}
LIMITS = {
    "statuses": {
        "max_characters": "int",
        "max_media_attachments": "int",
        "characters_reserved_per_url": "int",
    },
    "media_attachments": {
        "supported_mime_types": ["str"],
        "image_size_limit": "int",
        "image_matrix_limit": "int",
    },
    "polls": {
        "max_options": "int",
        "max_characters_per_option": "int",
        "min_expiration": "int",
        "max_expiration": "int",
    },
    "accounts": {"max_featured_tags": "int"},
}
RULE = {"id": "str", "text": "str"}
# Mastodon's WebPushSubscription (Tusky, Ice Cubes and Elk read these).
WEB_PUSH_SUBSCRIPTION: dict[str, Any] = {
    "id": "id",
    "endpoint": "url",
    "standard": "bool",
    "alerts": {
        name: "bool"
        for name in (
            "mention",
            "status",
            "reblog",
            "follow",
            "follow_request",
            "favourite",
            "poll",
            "update",
            "admin.sign_up",
            "admin.report",
        )
    },
    "server_key": "str",
    "policy": "str",
}
SCHEDULED_STATUS: dict[str, Any] = {
    "id": "id",
    "scheduled_at": "time",
    "params": {
        "text": "str",
        "visibility": "str?",
        "sensitive": "bool",
        "spoiler_text": "str?",
        "in_reply_to_id": "str?",
        "language": "str?",
        "idempotency": "str?",
    },
    "media_attachments": [MEDIA_ATTACHMENT],
}
INSTANCE_V2: dict[str, Any] = {
    # Tusky entity/Instance.kt, Ice Cubes Models/Instance.swift
    "domain": "str",
    "title": "str",
    "version": "str",
    "source_url": "url",
    "description": "str",
    "usage": {"users": {"active_month": "int"}},
    "thumbnail": {"url": "url"},
    "languages": ["str"],
    "configuration": LIMITS
    | {"urls": {"streaming": "str"}, "translation": {"enabled": "bool"}, "vapid": {"public_key": "str"}},
    "registrations": {"enabled": "bool", "approval_required": "bool"},
    "contact": {"email": "str", "account": "dict?"},
    "rules": [RULE],
    "api_versions": {"mastodon": "int"},
}
INSTANCE_V1: dict[str, Any] = {
    "uri": "str",
    "title": "str",
    "short_description": "str",
    "description": "str",
    "email": "str",
    "version": "str",
    "urls": {"streaming_api": "str"},
    "stats": {"user_count": "int", "status_count": "int", "domain_count": "int"},
    "thumbnail": "url",
    "languages": ["str"],
    "registrations": "bool",
    "approval_required": "bool",
    "invites_enabled": "bool",
    "configuration": LIMITS,
    "contact_account": "dict?",
    "rules": [RULE],
}


def check(value: Any, spec: Any, path: str = "$") -> None:
    """Assert that `value` has every field of `spec` with the right type."""
    if isinstance(spec, dict):
        assert isinstance(value, dict), f"{path}: expected an object, got {value!r}"
        for key, inner in spec.items():
            assert key in value, f"{path}.{key} is missing"
            check(value[key], inner, f"{path}.{key}")
    elif isinstance(spec, list):
        assert isinstance(value, list), f"{path}: expected a list (never null), got {value!r}"
        for index, item in enumerate(value):
            if spec:
                check(item, spec[0], f"{path}[{index}]")
    else:
        _check_scalar(value, spec, path)


def _check_scalar(value: Any, marker: str, path: str) -> None:
    if marker.endswith("?"):
        if value is None:
            return
        marker = marker[:-1]
    if marker == "id":
        assert isinstance(value, str) and value.isdigit(), f"{path}: ids are strings of digits, got {value!r}"
    elif marker == "url":
        assert isinstance(value, str) and re.match(r"^https?://[^/]+", value), (
            f"{path}: not an absolute URL: {value!r}"
        )
    elif marker == "time":
        assert isinstance(value, str) and TIME.match(value), f"{path}: not ISO 8601 with ms and Z: {value!r}"
    elif marker == "date":
        assert isinstance(value, str) and DATE.match(value), f"{path}: not a date: {value!r}"
    elif marker == "float":
        assert isinstance(value, int | float) and not isinstance(value, bool), (
            f"{path}: not a number: {value!r}"
        )
    else:
        expected = {"str": str, "int": int, "bool": bool, "dict": dict}[marker]
        assert isinstance(value, expected) and (marker != "int" or not isinstance(value, bool)), (
            f"{path}: expected {marker}, got {value!r}"
        )

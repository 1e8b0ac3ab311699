"""Visibility ↔ addressing, and the set of inboxes a delivery goes to.

Addressing copies Mastodon's ``ActivityPub::TagManager#to`` / ``#cc``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from .vocab import PUBLIC, is_public

Visibility = Literal["public", "unlisted", "private", "direct"]


def addressing_for(
    visibility: Visibility,
    *,
    followers_url: str,
    mentioned_actor_ids: Sequence[str] = (),
) -> tuple[list[str], list[str]]:
    """``(to, cc)`` for a status of this visibility.

    public: to Public, cc followers + mentions; unlisted: to followers, cc Public +
    mentions; private: to followers, cc mentions; direct: to mentions only.
    """
    mentions = list(dict.fromkeys(mentioned_actor_ids))
    if visibility == "public":
        return [PUBLIC], [followers_url, *mentions]
    if visibility == "unlisted":
        return [followers_url], [PUBLIC, *mentions]
    if visibility == "private":
        return [followers_url], mentions
    if visibility == "direct":
        return mentions, []
    raise ValueError(f"Unknown visibility: {visibility!r}")


def visibility_of(to: Iterable[str], cc: Iterable[str], *, followers_url: str | None) -> Visibility:
    """The visibility an incoming object's addressing expresses.

    Without a known followers collection, any ``…/followers`` recipient counts as one.
    """
    to_list, cc_list = list(to), list(cc)
    if any(is_public(uri) for uri in to_list):
        return "public"
    if any(is_public(uri) for uri in cc_list):
        return "unlisted"
    recipients = to_list + cc_list
    if followers_url is not None:
        if followers_url in recipients:
            return "private"
    elif any(uri.rstrip("/").endswith("/followers") for uri in recipients):
        return "private"
    return "direct"


@dataclass(frozen=True)
class Recipient:
    actor_id: str
    inbox: str
    shared_inbox: str | None = None


def delivery_inboxes(recipients: Iterable[Recipient]) -> list[str]:
    """One URL per shared inbox, personal inboxes for the rest; deduplicated, in order."""
    return list(dict.fromkeys(r.shared_inbox or r.inbox for r in recipients))

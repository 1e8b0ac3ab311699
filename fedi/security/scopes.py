"""OAuth scopes as Mastodon defines them: top-level scopes and the granular ones they imply.

`read` grants every `read:*`, `write` every `write:*`; the deprecated `follow` grants the
relationship sub-scopes; `admin:read` and `admin:write` grant their `admin:…:*` sub-scopes (and
only those: `read` does not include `admin:read`). A token holding `read:statuses` holds only that.
"""

from __future__ import annotations

from collections.abc import Iterable

READ = (
    "read:accounts",
    "read:blocks",
    "read:bookmarks",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:search",
    "read:statuses",
)
WRITE = (
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:statuses",
)
# Mastodon's admin scopes: a token needs them and its user needs a moderator role or above.
_ADMIN_RESOURCES = (
    "accounts",
    "reports",
    "domain_allows",
    "domain_blocks",
    "ip_blocks",
    "email_domain_blocks",
    "canonical_email_blocks",
)
ADMIN_READ = tuple(f"admin:read:{resource}" for resource in _ADMIN_RESOURCES)
ADMIN_WRITE = tuple(f"admin:write:{resource}" for resource in _ADMIN_RESOURCES)
FOLLOW = ("read:blocks", "read:follows", "read:mutes", "write:blocks", "write:follows", "write:mutes")
TOP_LEVEL = ("read", "write", "follow", "push", "profile", "admin:read", "admin:write")
ALL = (*TOP_LEVEL, *READ, *WRITE, *ADMIN_READ, *ADMIN_WRITE)
DEFAULT = "read"


def parse(text: str | None) -> list[str]:
    """Scopes as clients send them: space separated (`+` when a form encoder left it)."""
    return list(dict.fromkeys((text or "").replace("+", " ").split()))


def unknown(scopes: Iterable[str]) -> list[str]:
    return [s for s in scopes if s not in ALL]


def expand(scopes: Iterable[str]) -> frozenset[str]:
    """Every scope a set of granted scopes amounts to."""
    granted = set(scopes)
    if "read" in granted:
        granted.update(READ)
    if "write" in granted:
        granted.update(WRITE)
    if "follow" in granted:
        granted.update(FOLLOW)
    if "admin:read" in granted:
        granted.update(ADMIN_READ)
    if "admin:write" in granted:
        granted.update(ADMIN_WRITE)
    return frozenset(granted)


def covers(granted: Iterable[str], wanted: Iterable[str]) -> bool:
    """Whether `granted` includes each of `wanted` (a requested scope within an app's)."""
    have = expand(granted)
    return all(scope in have or expand([scope]) <= have for scope in wanted)


_TOP_LEVEL_TEXT = {
    "read": "read everything in your account",
    "write": "post and change everything in your account",
    "follow": "follow, block and mute accounts",
    "push": "receive push notifications",
    "profile": "see your profile (name, handle, picture)",
    "admin:read": "read this server's moderation data (with your moderator role)",
    "admin:write": "take moderation actions on this server (with your moderator role)",
}


def describe(scope: str) -> str:
    """Plain words for the consent page."""
    if scope in _TOP_LEVEL_TEXT:
        return _TOP_LEVEL_TEXT[scope]
    action, _, what = scope.removeprefix("admin:").partition(":")
    verb = "read" if action == "read" else "change"
    whose = "this server's" if scope.startswith("admin:") else "your"
    return f"{verb} {whose} {what.replace('_', ' ')}"

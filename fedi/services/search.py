"""Search v2: accounts, statuses and hashtags.

A handle (`@user@host`) or a post's URL is looked up remotely when `resolve` is asked (only for
signed-in callers): that is how people pull in someone or something the server has not seen.
The caller fetches those first (resolver.start_lookup, outside any transaction); the search
itself reads what is stored. Statuses are found by URL only; fedi keeps no full-text index.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from fedi.errors import NotFound
from fedi.models.accounts import Account
from fedi.models.statuses import Tag
from fedi.runtime import Runtime
from fedi.services import directory, resolver, visibility
from fedi.store import accounts as account_store
from fedi.store import search as search_store
from fedi.store import statuses as status_store
from fedi.store.views import StatusView, status_views

KINDS = ("accounts", "statuses", "hashtags")


@dataclass
class Results:
    accounts: list[Account] = field(default_factory=list)
    statuses: list[StatusView] = field(default_factory=list)
    hashtags: list[Tag] = field(default_factory=list)


def search(
    session: Session,
    rt: Runtime,
    viewer: Account | None,
    text: str,
    *,
    kind: str | None,
    limit: int,
    offset: int,
    following: bool,
) -> Results:
    text = text.strip()
    results = Results()
    if not text:
        return results
    wants = (kind,) if kind in KINDS else KINDS
    if text.startswith(("https://", "http://")):
        return _by_url(session, rt, viewer, text, wants)
    if "accounts" in wants:
        results.accounts = directory.search(
            session, rt, viewer, text, limit=limit, offset=offset, following=following
        )
    if "hashtags" in wants and "@" not in text:
        results.hashtags = search_store.tags(session, text.lstrip("#"), limit=limit, offset=offset)
    return results


def _by_url(
    session: Session, rt: Runtime, viewer: Account | None, url: str, wants: tuple[str, ...]
) -> Results:
    results = Results()
    if "statuses" in wants:
        status = resolver.status_by_url(session, rt, url)
        if status is not None and visibility.can_view(session, viewer, status):
            results.statuses = status_views(session, [status], viewer)
    if "accounts" in wants and not results.statuses:
        found = account_store.by_uri(session, url)
        if found is not None and found.deleted_at is None and not found.suspended:
            results.accounts = [found]
    return results


def hashtag(session: Session, name: str) -> Tag:
    found = status_store.tag_by_name(session, name.lstrip("#"))
    if found is None:
        raise NotFound()
    return found

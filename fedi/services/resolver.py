"""Turning what people type or paste (@user@host, a post's URL) into our rows."""

from __future__ import annotations

from sqlmodel import Session

from fedi.content.text import MentionTarget
from fedi.ids import parse_id
from fedi.models.accounts import Account
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services.federation import remote
from fedi.store import accounts as account_store
from fedi.store import statuses as status_store


def mention_target(session: Session, rt: Runtime, username: str, host: str | None) -> MentionTarget | None:
    account = remote.account_by_handle(session, rt, username, host)
    if account is None or account.deleted_at is not None:
        return None
    return mention_of(account)


def mention_of(account: Account) -> MentionTarget:
    return MentionTarget(
        account_id=account.id, username=account.username, profile_url=account.url or account.uri
    )


def account(session: Session, rt: Runtime, handle: str, *, resolve: bool) -> Account | None:
    """`user`, `user@host` or `@user@host`; remote ones are looked up only when `resolve`."""
    parts = handle.strip().lstrip("@").split("@")
    if len(parts) == 1 or (len(parts) == 2 and parts[1].lower() == rt.settings.instance.domain):
        return account_store.by_acct(session, parts[0], None)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    known = account_store.by_acct(session, parts[0], parts[1].lower())
    if known is not None or not resolve:
        return known
    return remote.account_by_handle(session, rt, parts[0], parts[1])


def status_by_url(session: Session, rt: Runtime, url: str, *, resolve: bool) -> Status | None:
    """A post by its id or page URL; remote posts are fetched only when `resolve`."""
    found = status_store.by_uri(session, url)
    if found is not None:
        return found
    if remote.is_local_uri(rt, url):
        return _local_by_page_url(session, rt, url)
    if not resolve:
        return None
    return remote.fetch_status(session, rt, url)


def _local_by_page_url(session: Session, rt: Runtime, url: str) -> Status | None:
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    status_id = parse_id(tail)
    return status_store.get(session, status_id) if status_id else None

"""Turning what people type or paste (@user@host, a post's URL) into our rows.

In two phases, like everything that reaches other servers. The `start_*` functions take no
session: they start fetching what is not stored yet and return the fetches' futures, which the
caller waits for a bounded time (`LOOKUP_WAIT_S`). The functions given a session then read
what is stored, and never fetch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from typing import Any

from sqlmodel import Session

from fedi.content.text import MENTION, MentionTarget
from fedi.errors import FediError
from fedi.ids import parse_id
from fedi.models.accounts import Account
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services.federation import remote
from fedi.store import accounts as account_store
from fedi.store import statuses as status_store

# How long a person's request waits for what it asked to be fetched (a search, the accounts a
# post mentions, a remix's source). Whatever comes later is stored all the same.
LOOKUP_WAIT_S = 10.0
# Remote accounts one text may make us look up.
MAX_MENTION_LOOKUPS = 10
_HANDLE = re.compile(r"^@?([^@\s]+)@([^@\s]+)$")


# Phase one: start fetching ----------------------------------------------------------------


def start_mentions(rt: Runtime, text: str) -> list[Future[Any]]:
    """Look up the remote accounts `text` mentions that are not known here yet."""
    handles = list(dict.fromkeys((m.group(1), m.group(2)) for m in MENTION.finditer(text) if m.group(2)))
    return _started([partial(remote.handle, rt, user, host) for user, host in handles[:MAX_MENTION_LOOKUPS]])


def start_lookup(rt: Runtime, text: str) -> list[Future[Any]]:
    """Fetch what a search for `text` names: a post or account URL, or @user@host."""
    text = text.strip()
    if text.startswith(("https://", "http://")):
        return _started([partial(remote.url, rt, text)])
    handle = _HANDLE.match(text)
    if handle is None:
        return []
    return _started([partial(remote.handle, rt, handle.group(1), handle.group(2))])


def start_status(rt: Runtime, address: str) -> list[Future[Any]]:
    """Fetch the post at `address` (a URL; local ids need nothing)."""
    if parse_id(address) is not None or not address.startswith(("https://", "http://")):
        return []
    return _started([partial(remote.status, rt, address)])


def found_id(text: str, futures: list[Future[Any]]) -> str:
    """What to look up once the fetches `start_lookup` or `start_status` began are done: for a
    pasted URL, the id of what it turned out to name (a post's page URL names the post's id);
    otherwise the text itself."""
    if not text.strip().startswith(("https://", "http://")):
        return text
    for future in futures:
        if future.done() and future.exception() is None and (found := future.result()) is not None:
            return str(found.uri)
    return text


def _started(starts: list[Callable[[], Future[Any]]]) -> list[Future[Any]]:
    """Start each fetch; one refused at once (a budget, a recent failure) is simply skipped."""
    futures = []
    for start in starts:
        try:
            futures.append(start())
        except FediError:
            continue
    return futures


# Phase two: read what is stored -------------------------------------------------------------


def mention_target(session: Session, rt: Runtime, username: str, host: str | None) -> MentionTarget | None:
    account = remote.known_by_handle(session, rt, username, host)
    if account is None or account.deleted_at is not None:
        return None
    return mention_of(account)


def mention_of(account: Account) -> MentionTarget:
    return MentionTarget(
        account_id=account.id, username=account.username, profile_url=account.url or account.uri
    )


def account(session: Session, rt: Runtime, handle: str) -> Account | None:
    """`user`, `user@host` or `@user@host`, among the accounts stored here."""
    parts = handle.strip().lstrip("@").split("@")
    if len(parts) == 1 or (len(parts) == 2 and parts[1].lower() == rt.settings.instance.domain):
        return account_store.by_acct(session, parts[0], None)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    return account_store.by_acct(session, parts[0], parts[1].lower())


def status_by_url(session: Session, rt: Runtime, url: str) -> Status | None:
    """A post by its id or page URL, among the posts stored here."""
    found = status_store.by_uri(session, url)
    if found is not None:
        return found
    if remote.is_local_uri(rt, url):
        return _local_by_page_url(session, rt, url)
    return None


def _local_by_page_url(session: Session, rt: Runtime, url: str) -> Status | None:
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    status_id = parse_id(tail)
    return status_store.get(session, status_id) if status_id else None

"""The accounts a remote actor endorses, read from its `endorsements` collection.

Mastodon 4.4 does not publish endorsements; fedi does, under its own extension term
(`fedi:endorsements`, see activitypub/context.py), and reads them back from other fedi servers
so that `GET /api/v1/accounts/:id/endorsements` answers for remote accounts too.

Nothing is stored. The collection is read when someone asks, in the fetch pool (its budgets,
its negative cache, never inside a transaction), signed as the instance actor: the collection,
and its first page when the items are not inline, from the actor's own origin. At most
`MAX_ITEMS` actor ids are kept. Accounts already known here are answered at once; the others
are fetched in the background and show up next time.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

from activitypub.errors import ActivityPubError
from activitypub.objects import as_list, get_id, is_http_url
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services.federation import remote
from fedi.services.federation.fetches import FetchPending, RemoteError, wait
from fedi.store import accounts as account_store

# Items taken from the first page (Mastodon's default page of accounts).
MAX_ITEMS = 40
# How long a request waits for the collection before answering without it.
WAIT_S = 3.0


def endorsed(rt: Runtime, owner: Account) -> list[Account]:
    """The accounts `owner` (remote) endorses, as far as its server tells within WAIT_S."""
    url = owner.endorsements_url
    if owner.local or owner.suspended or not url:
        return []
    try:
        future: Future[list[str]] = rt.fetches.start(
            f"endorsements:{url}", remote.host_or_none(url) or "", lambda: _read(rt, owner.uri, url)
        )
        uris = wait(future, WAIT_S)
    except (RemoteError, FetchPending):
        return []
    with rt.db.reader() as session:
        known = account_store.by_uris(session, uris)
    missing = set(uris) - {a.uri for a in known}
    for uri in missing:
        if remote.is_local_uri(rt, uri):
            continue
        try:
            remote.actor(rt, uri)  # stored in the background for next time
        except RemoteError:
            break  # a budget is full: the rest can wait too
    return [a for a in known if not a.suspended and a.deleted_at is None]


def _read(rt: Runtime, actor_id: str, url: str) -> list[str]:
    """Runs in the fetch pool: the first MAX_ITEMS actor ids of the collection."""
    try:
        document = rt.http.fetch_object(url, signed_as=rt.instance_key())
        items = _items(document)
        if items is None:
            first = document.get("first")
            if isinstance(first, Mapping):
                items = _items(first)
            elif isinstance(first, str) and remote.own_collection(actor_id, first):
                items = _items(rt.http.fetch_object(first, signed_as=rt.instance_key()))
    except ActivityPubError as exc:
        raise RemoteError(f"could not read {url[:500]}: {exc}", temporary=True) from None
    uris: list[str] = []
    for item in items or []:
        uri = get_id(item)
        if is_http_url(uri) and len(uri) <= remote.MAX_URL and uri not in uris:
            uris.append(uri)
        if len(uris) >= MAX_ITEMS:
            break
    return uris


def _items(document: Mapping[str, Any]) -> list[Any] | None:
    """The items of a collection or page (ordered or not), at most MAX_ITEMS of them looked at."""
    for key in ("orderedItems", "items"):
        if key in document:
            return as_list(document[key])[: MAX_ITEMS * 2]
    return None

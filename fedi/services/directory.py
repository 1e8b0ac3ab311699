"""Finding accounts and listing them: profiles, lookups, followers, who favourited or boosted,
blocks and mutes, relationships with private notes.

Lists come back as (paging id, account) pairs: clients page followers by the follow's id, not
the account's, as on Mastodon.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlmodel import Session

from fedi.errors import NotFound, Unprocessable
from fedi.models.accounts import Account
from fedi.models.relationships import AccountNote
from fedi.runtime import Runtime
from fedi.services import relationships as relationship_service
from fedi.services import resolver, visibility
from fedi.services.relationships import Relationship
from fedi.store import accounts as account_store
from fedi.store import interactions as interaction_store
from fedi.store import relationships as store
from fedi.store import search as search_store
from fedi.store import statuses as status_store
from fedi.store.paging import Page
from fedi.store.views import accounts_by_id

Listed = list[tuple[int, Account]]
MAX_NOTE = 2000


def account(session: Session, account_id: int) -> Account:
    found = account_store.get(session, account_id)
    if found is None or found.deleted_at is not None:
        raise NotFound()
    return found


def lookup(session: Session, rt: Runtime, acct: str) -> Account:
    """`user` or `user@host` among accounts known here (no WebFinger, as on Mastodon)."""
    found = resolver.account(session, rt, acct)
    if found is None or found.deleted_at is not None:
        raise NotFound()
    return found


def _visible_to(session: Session, viewer: Account | None, target: Account) -> bool:
    return viewer is None or store.block(session, target.id, viewer.id) is None


def followers(session: Session, viewer: Account | None, account_id: int, page: Page) -> Listed:
    target = account(session, account_id)
    if not _visible_to(session, viewer, target):
        return []
    return [(f.id, a) for f, a in store.followers(session, target.id, page)]


def following(session: Session, viewer: Account | None, account_id: int, page: Page) -> Listed:
    target = account(session, account_id)
    if not _visible_to(session, viewer, target):
        return []
    return [(f.id, a) for f, a in store.following(session, target.id, page)]


def follow_requests(session: Session, viewer: Account, page: Page) -> Listed:
    return [(f.id, a) for f, a in store.follow_requests(session, viewer.id, page)]


def favourited_by(session: Session, viewer: Account | None, status_id: int, page: Page) -> Listed:
    status = visibility.visible_status(session, viewer, status_id)
    return [(f.id, a) for f, a in interaction_store.favourited_by(session, status.id, page)]


def reblogged_by(session: Session, viewer: Account | None, status_id: int, page: Page) -> Listed:
    status = visibility.visible_status(session, viewer, status_id)
    return [(boost.id, a) for boost, a in status_store.reblogged_by(session, status.id, page)]


def blocks(session: Session, viewer: Account, page: Page) -> Listed:
    return [(b.id, a) for b, a in store.blocks_of(session, viewer.id, page)]


def mutes(session: Session, viewer: Account, page: Page) -> Listed:
    return [(m.id, a) for m, a in store.mutes_of(session, viewer.id, page)]


def search(
    session: Session,
    rt: Runtime,
    viewer: Account | None,
    text: str,
    *,
    limit: int,
    offset: int,
    following: bool,
) -> list[Account]:
    """A handle first, then accounts by name prefix (among accounts stored here: a caller that
    resolves remote handles fetches them first, with resolver.start_lookup)."""
    text = text.strip()
    if not text:
        return []
    found: list[Account] = []
    if "@" in text.lstrip("@") or text.startswith("@"):
        exact = resolver.account(session, rt, text)
        if exact is not None and exact.deleted_at is None and not exact.suspended:
            found.append(exact)
    prefix = text.lstrip("@").split("@", 1)[0]
    if prefix:
        followed_by = viewer.id if following and viewer is not None else None
        matches = search_store.accounts(session, prefix, limit=limit, offset=offset, followed_by=followed_by)
        found += [a for a in matches if all(a.id != f.id for f in found)]
    return found[:limit]


def relationships(session: Session, viewer: Account, target_ids: list[int]) -> list[Relationship]:
    """Mastodon's Relationship for each target, with the viewer's private note about it."""
    notes = store.notes_about(session, viewer.id, target_ids)
    return [
        replace(r, note=notes[r.id].comment) if r.id in notes else r
        for r in relationship_service.relationships(session, viewer, target_ids)
    ]


def set_note(session: Session, viewer: Account, target_id: int, comment: str) -> Relationship:
    if len(comment) > MAX_NOTE:
        raise Unprocessable(f"comment is longer than {MAX_NOTE} characters", field="comment")
    target = account(session, target_id)
    note = store.notes_about(session, viewer.id, [target.id]).get(target.id)
    if note is None:
        note = AccountNote(account_id=viewer.id, target_account_id=target.id)
    note.comment, note.updated_at = comment, datetime.now(UTC)
    session.add(note)
    session.flush()
    return relationships(session, viewer, [target.id])[0]


FAMILIAR_LIMIT = 80
ORDERS = ("active", "new")


def familiar_followers(
    session: Session, viewer: Account, account_ids: list[int]
) -> list[tuple[int, list[Account]]]:
    """For each account: its followers whom the viewer follows (Mastodon's familiar followers)."""
    return [
        (account_id, store.familiar_followers(session, viewer.id, account_id, limit=FAMILIAR_LIMIT))
        for account_id in dict.fromkeys(account_ids)
    ]


def listing(session: Session, *, offset: int, limit: int, order: str, local: bool) -> list[Account]:
    """The profile directory: accounts that chose to be discoverable."""
    if order not in ORDERS:
        raise Unprocessable("order must be active or new", field="order")
    return account_store.directory(session, offset=offset, limit=limit, order=order, local=local)


def endorsements(session: Session, viewer: Account | None, account_id: int, page: Page) -> Listed:
    """The accounts someone endorses, by the endorsement's id."""
    owner = account(session, account_id)
    if not _visible_to(session, viewer, owner):
        return []
    return [(e.id, a) for e, a in store.endorsements(session, owner.id, page)]


def endorser(session: Session, viewer: Account | None, account_id: int) -> Account | None:
    """The account whose endorsements are asked for; None when it blocks the viewer."""
    owner = account(session, account_id)
    return owner if _visible_to(session, viewer, owner) else None


def accounts(session: Session, account_ids: list[int]) -> list[Account]:
    """Several accounts at once, in the order asked; unknown and deleted ones left out."""
    found = accounts_by_id(session, set(account_ids))
    return [found[i] for i in dict.fromkeys(account_ids) if i in found and found[i].deleted_at is None]


def suggestions(session: Session, viewer: Account, *, limit: int) -> list[Account]:
    """Whom to follow: the accounts most followed by those the viewer follows."""
    return store.friends_of_friends(session, viewer.id, limit=limit)

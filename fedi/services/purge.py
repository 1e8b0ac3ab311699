"""Removing what an account left behind: its follows both ways and its posts (with their boosts).

A remote actor's `Delete` removes everything in the transaction that applies it; a suspended
domain's accounts are purged by a job, one batch per transaction, so a large domain never holds
the write lock for long.
"""

from __future__ import annotations

from sqlmodel import Session

from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services import statuses
from fedi.store import moderation as moderation_store
from fedi.store import relationships as relationship_store
from fedi.store import statuses as status_store
from fedi.store.paging import Page

BATCH = 200
ALL_VISIBILITIES = ("public", "unlisted", "private", "direct")


def sever_follows(session: Session, account: Account) -> None:
    for follow, _ in relationship_store.followers(session, account.id, Page(limit=10_000)):
        session.delete(follow)
    for follow, _ in relationship_store.following(session, account.id, Page(limit=10_000)):
        session.delete(follow)


def remove_statuses(session: Session, rt: Runtime, account: Account, *, limit: int | None = None) -> int:
    """Remove the account's posts (up to `limit`; all when None); returns how many went."""
    removed = 0
    while limit is None or removed < limit:
        batch = status_store.by_account(
            session,
            account.id,
            Page(limit=BATCH if limit is None else min(BATCH, limit - removed)),
            visibilities=ALL_VISIBILITIES,
            include_processing=True,
            exclude_replies=False,
            exclude_reblogs=False,
            only_media=False,
            tagged=None,
        )
        if not batch:
            break
        for status in batch:
            statuses.remove(session, rt, status, federate=False)
        removed += len(batch)
    return removed


def remove_everything(session: Session, rt: Runtime, account: Account) -> None:
    sever_follows(session, account)
    remove_statuses(session, rt, account)


def purge_domain(rt: Runtime, domain: str, *, everyone: bool = False) -> int:
    """Remove the follows and posts of a suspended domain's accounts (`everyone`: of all its
    accounts, `fedi domains purge`); returns how many posts went. Accounts no longer suspended
    (the block was lifted meanwhile) are left alone."""
    with rt.db.reader() as session:
        account_ids = [
            a.id for a in moderation_store.accounts_of_domain(session, domain) if a.suspended or everyone
        ]
    removed = 0
    for account_id in account_ids:
        with rt.db.session() as session:
            account = session.get(Account, account_id)
            if account is None or not (account.suspended or everyone):
                continue
            sever_follows(session, account)
        while True:
            with rt.db.session() as session:
                account = session.get(Account, account_id)
                if account is None or not (account.suspended or everyone):
                    break
                count = remove_statuses(session, rt, account, limit=BATCH)
            removed += count
            if count < BATCH:
                break
    return removed

"""Queries on Web Push subscriptions and the server's kept keys."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from fedi.models.push import PushSubscription, ServerKey


def for_token(session: Session, token_id: int) -> PushSubscription | None:
    stmt = select(PushSubscription).where(PushSubscription.access_token_id == token_id)
    return session.exec(stmt).first()


def of_account(session: Session, account_id: int) -> list[PushSubscription]:
    stmt = select(PushSubscription).where(PushSubscription.account_id == account_id)
    return list(session.exec(stmt.order_by(col(PushSubscription.id))).all())


def remove_for_token(session: Session, token_id: int) -> None:
    session.exec(delete(PushSubscription).where(col(PushSubscription.access_token_id) == token_id))
    session.flush()


def replace_for_token(session: Session, item: PushSubscription) -> PushSubscription:
    """Store `item` as its token's only subscription (a POST racing this one may have stored
    one meanwhile: it is replaced too)."""
    for attempt in range(2):
        remove_for_token(session, item.access_token_id)
        try:
            with session.begin_nested():
                session.add(item)
            return item
        except IntegrityError:
            if attempt:
                raise
    return item


def remove(session: Session, subscription_id: int) -> None:
    session.exec(delete(PushSubscription).where(col(PushSubscription.id) == subscription_id))


def server_key(session: Session, name: str) -> ServerKey | None:
    return session.get(ServerKey, name)


def keep_server_key(session: Session, key: ServerKey) -> ServerKey:
    """Store `key` unless another process stored one of that name first; return the one kept."""
    try:
        with session.begin_nested():
            session.add(key)
    except IntegrityError:
        pass
    kept = session.get(ServerKey, key.name, populate_existing=True)
    assert kept is not None
    return kept

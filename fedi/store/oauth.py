"""Queries on OAuth applications, authorization codes and access tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from fedi.models.accounts import Account, User
from fedi.models.oauth import OAuthApplication, OAuthCode, OAuthToken


def application_by_client_id(session: Session, client_id: str) -> OAuthApplication | None:
    return session.exec(select(OAuthApplication).where(OAuthApplication.client_id == client_id)).first()


def code_by_hash(session: Session, code_hash: str) -> OAuthCode | None:
    return session.exec(select(OAuthCode).where(OAuthCode.code_hash == code_hash)).first()


def claim_code(session: Session, code_id: int, now: datetime) -> bool:
    """Mark a code used; False when another request used it first (codes are single-use)."""
    result = session.exec(
        update(OAuthCode)
        .where(col(OAuthCode.id) == code_id, col(OAuthCode.used_at).is_(None))
        .values(used_at=now)
    )
    return bool(result.rowcount == 1)


def token_by_hash(session: Session, token_hash: str) -> OAuthToken | None:
    return session.exec(select(OAuthToken).where(OAuthToken.token_hash == token_hash)).first()


def token_with_owner(
    session: Session, token_hash: str
) -> tuple[OAuthToken, OAuthApplication, User | None, Account | None] | None:
    """A token with its application, and the user and account it acts for (one query)."""
    stmt = (
        select(OAuthToken, OAuthApplication, User, Account)
        .join(OAuthApplication, col(OAuthApplication.id) == col(OAuthToken.application_id))
        .outerjoin(User, col(User.id) == col(OAuthToken.user_id))
        .outerjoin(Account, col(Account.id) == col(User.account_id))
        .where(OAuthToken.token_hash == token_hash)
    )
    row = session.exec(stmt).first()
    return None if row is None else (row[0], row[1], row[2], row[3])


def touch_token(session: Session, token_id: int, now: datetime) -> None:
    session.exec(update(OAuthToken).where(col(OAuthToken.id) == token_id).values(last_used_at=now))

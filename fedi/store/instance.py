"""Counts and lists about the instance as a whole (instance endpoints)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from fedi.models.accounts import Account, Role, User
from fedi.models.federation import Delivery, InboxItem
from fedi.models.generations import Generation
from fedi.models.oauth import OAuthToken
from fedi.models.statuses import Status


def local_users(session: Session) -> int:
    return session.exec(select(func.count()).select_from(User).where(User.disabled == False)).one()  # noqa: E712


def local_statuses(session: Session) -> int:
    stmt = select(func.count()).select_from(Status).where(Status.local == True)  # noqa: E712
    return session.exec(stmt).one()


def active_local_authors(session: Session, since: datetime) -> int:
    stmt = select(func.count(func.distinct(Status.account_id))).where(
        Status.local == True,  # noqa: E712
        col(Status.created_at) > since,
    )
    return session.exec(stmt).one()


def local_posts_between(session: Session, start: datetime, end: datetime) -> int:
    stmt = select(func.count()).where(
        Status.local == True,  # noqa: E712
        col(Status.reblog_of_id).is_(None),
        col(Status.created_at) >= start,
        col(Status.created_at) < end,
    )
    return session.exec(stmt).one()


def registrations_between(session: Session, start: datetime, end: datetime) -> int:
    stmt = select(func.count()).where(col(User.created_at) >= start, col(User.created_at) < end)
    return session.exec(stmt).one()


def users_with_tokens_between(session: Session, start: datetime, end: datetime) -> int:
    """People whose app tokens were issued or last used in the period."""
    issued = (col(OAuthToken.created_at) >= start) & (col(OAuthToken.created_at) < end)
    used = (col(OAuthToken.last_used_at) >= start) & (col(OAuthToken.last_used_at) < end)
    stmt = select(func.count(func.distinct(OAuthToken.user_id))).where(
        col(OAuthToken.user_id).is_not(None), issued | used
    )
    return session.exec(stmt).one()


def count_by_state(
    session: Session, model: type[Delivery] | type[InboxItem] | type[Generation]
) -> list[tuple[str, int]]:
    """How many rows of a work table are in each state (for /metrics)."""
    rows = session.exec(select(model.state, func.count()).group_by(model.state)).all()
    return [(state, count) for state, count in rows]


def known_domains(session: Session, *, limit: int = 10_000) -> list[str]:
    stmt = (
        select(Account.domain)
        .where(col(Account.domain).is_not(None), col(Account.deleted_at).is_(None))
        .distinct()
        .order_by(col(Account.domain))
        .limit(limit)
    )
    return [domain for domain in session.exec(stmt).all() if domain]


def first_admin(session: Session) -> Account | None:
    stmt = (
        select(Account)
        .join(User, col(User.account_id) == col(Account.id))
        .where(col(User.role).in_([Role.ADMIN, Role.OWNER]), User.disabled == False)  # noqa: E712
        .order_by(col(User.id))
    )
    return session.exec(stmt).first()

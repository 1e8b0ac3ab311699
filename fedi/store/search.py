"""Queries behind search: accounts and hashtags by prefix."""

from __future__ import annotations

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from fedi.models.accounts import Account
from fedi.models.relationships import Follow
from fedi.models.statuses import Tag


def _prefix(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def accounts(
    session: Session, text: str, *, limit: int, offset: int, followed_by: int | None
) -> list[Account]:
    """Accounts whose username or display name starts with `text`, local and popular first."""
    pattern = _prefix(text)
    stmt = select(Account).where(
        or_(
            func.lower(Account.username).like(pattern, escape="\\"),
            func.lower(Account.display_name).like(pattern, escape="\\"),
        ),
        col(Account.suspended).is_(False),
        col(Account.deleted_at).is_(None),
        Account.actor_type != "Application",
    )
    if followed_by is not None:
        stmt = stmt.join(Follow, col(Follow.target_account_id) == col(Account.id)).where(
            Follow.account_id == followed_by,
            Follow.accepted == True,  # noqa: E712
        )
    stmt = stmt.order_by(
        col(Account.domain).is_not(None), col(Account.followers_count).desc(), col(Account.id)
    )
    return list(session.exec(stmt.offset(offset).limit(limit)).all())


def tags(session: Session, text: str, *, limit: int, offset: int) -> list[Tag]:
    stmt = (
        select(Tag)
        .where(col(Tag.name).like(_prefix(text), escape="\\"))
        .order_by(func.length(Tag.name), col(Tag.name))
    )
    return list(session.exec(stmt.offset(offset).limit(limit)).all())

"""Queries on accounts and users."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from fedi.models.accounts import Account, User, acct_key
from fedi.models.federation import AccountMove


def get(session: Session, account_id: int) -> Account | None:
    return session.get(Account, account_id)


def by_acct(session: Session, username: str, domain: str | None) -> Account | None:
    return session.exec(select(Account).where(Account.acct_key == acct_key(username, domain))).first()


def by_uri(session: Session, uri: str) -> Account | None:
    return session.exec(select(Account).where(Account.uri == uri)).first()


def by_uris(session: Session, uris: Sequence[str]) -> list[Account]:
    """The accounts stored under these actor ids, in the order given (unknown ones left out)."""
    if not uris:
        return []
    found = {a.uri: a for a in session.exec(select(Account).where(col(Account.uri).in_(list(uris))))}
    return [found[u] for u in uris if u in found]


def by_key_id(session: Session, key_id: str) -> Account | None:
    return session.exec(select(Account).where(Account.public_key_id == key_id)).first()


def local_accounts(session: Session) -> Sequence[tuple[Account, User]]:
    stmt = select(Account, User).join(User, col(User.account_id) == col(Account.id)).order_by(col(Account.id))
    return session.exec(stmt).all()


def user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.lower())).first()


def user_for_account(session: Session, account_id: int) -> User | None:
    return session.exec(select(User).where(User.account_id == account_id)).first()


def move_recorded(session: Session, activity_uri: str) -> bool:
    """Whether the Move activity with this id was recorded already."""
    stmt = select(AccountMove.id).where(AccountMove.activity_uri == activity_uri)
    return session.exec(stmt).first() is not None


def directory(session: Session, *, offset: int, limit: int, order: str, local: bool) -> list[Account]:
    """Accounts that chose to be listed: by latest post (`active`) or newest (`new`)."""
    stmt = select(Account).where(
        Account.discoverable == True,  # noqa: E712
        Account.suspended == False,  # noqa: E712
        col(Account.deleted_at).is_(None),
        Account.actor_type != "Application",
    )
    if local:
        stmt = stmt.where(col(Account.domain).is_(None))
    if order == "new":
        stmt = stmt.order_by(col(Account.created_at).desc(), col(Account.id).desc())
    else:
        stmt = stmt.where(col(Account.last_status_at).is_not(None)).order_by(
            col(Account.last_status_at).desc(), col(Account.id).desc()
        )
    return list(session.exec(stmt.offset(offset).limit(limit)).all())

"""Queries on followed hashtags."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete
from sqlmodel import Session, col, select

from fedi.models.accounts import Account
from fedi.models.statuses import Tag
from fedi.models.tag_follows import TagFollow
from fedi.store.paging import Page, fetch_page


def get(session: Session, account_id: int, tag_id: int) -> TagFollow | None:
    stmt = select(TagFollow).where(TagFollow.account_id == account_id, TagFollow.tag_id == tag_id)
    return session.exec(stmt).first()


def remove(session: Session, account_id: int, tag_id: int) -> None:
    session.exec(
        delete(TagFollow).where(col(TagFollow.account_id) == account_id, col(TagFollow.tag_id) == tag_id)
    )


def followed_ids(session: Session, account_id: int, tag_ids: Iterable[int]) -> set[int]:
    ids = set(tag_ids)
    if not ids:
        return set()
    stmt = select(TagFollow.tag_id).where(TagFollow.account_id == account_id, col(TagFollow.tag_id).in_(ids))
    return set(session.exec(stmt).all())


def page_of(session: Session, account_id: int, page: Page) -> list[tuple[TagFollow, Tag]]:
    stmt = (
        select(TagFollow, Tag)
        .join(Tag, col(Tag.id) == col(TagFollow.tag_id))
        .where(TagFollow.account_id == account_id)
    )
    return [(f, t) for f, t in fetch_page(session, stmt, TagFollow.id, page)]


def local_followers(session: Session, tag_ids: Iterable[int]) -> list[int]:
    """Local accounts that follow any of these tags."""
    ids = set(tag_ids)
    if not ids:
        return []
    stmt = (
        select(TagFollow.account_id)
        .join(Account, col(Account.id) == col(TagFollow.account_id))
        .where(col(TagFollow.tag_id).in_(ids), Account.domain == None)  # noqa: E711
        .distinct()
    )
    return list(session.exec(stmt).all())

"""Queries on lists, their members and their timelines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, or_
from sqlmodel import Session, col, select

from fedi.models.lists import ListMember, RepliesPolicy, UserList
from fedi.models.relationships import Follow
from fedi.models.statuses import HomeFeedEntry, Status
from fedi.store.paging import Page, fetch_page
from fedi.store.statuses import many


def of_account(session: Session, account_id: int) -> list[UserList]:
    stmt = select(UserList).where(UserList.account_id == account_id).order_by(col(UserList.id))
    return list(session.exec(stmt).all())


def count_of(session: Session, account_id: int) -> int:
    return session.exec(select(func.count()).where(UserList.account_id == account_id)).one()


def get_for(session: Session, account_id: int, list_id: int) -> UserList | None:
    found = session.get(UserList, list_id)
    return found if found is not None and found.account_id == account_id else None


def remove(session: Session, list_id: int) -> None:
    session.exec(delete(ListMember).where(col(ListMember.list_id) == list_id))
    session.exec(delete(UserList).where(col(UserList.id) == list_id))


def members_page(session: Session, list_id: int, page: Page | None) -> list[ListMember]:
    stmt = select(ListMember).where(ListMember.list_id == list_id)
    if page is None:
        return list(session.exec(stmt.order_by(col(ListMember.id).desc())).all())
    return fetch_page(session, stmt, ListMember.id, page)


def member_ids(session: Session, list_id: int) -> set[int]:
    return set(session.exec(select(ListMember.account_id).where(ListMember.list_id == list_id)).all())


def add_members(session: Session, list_id: int, account_ids: Iterable[int]) -> None:
    present = member_ids(session, list_id)
    for account_id in dict.fromkeys(account_ids):
        if account_id not in present:
            session.add(ListMember(list_id=list_id, account_id=account_id))


def remove_members(session: Session, list_id: int, account_ids: Sequence[int]) -> None:
    session.exec(
        delete(ListMember).where(
            col(ListMember.list_id) == list_id, col(ListMember.account_id).in_(account_ids)
        )
    )


def remove_member_everywhere(session: Session, owner_id: int, account_id: int) -> None:
    """Take an account out of all of one owner's lists (after an unfollow)."""
    owned = select(UserList.id).where(UserList.account_id == owner_id)
    session.exec(
        delete(ListMember).where(col(ListMember.list_id).in_(owned), col(ListMember.account_id) == account_id)
    )


def lists_with_member(session: Session, owner_id: int, account_id: int) -> list[UserList]:
    stmt = (
        select(UserList)
        .join(ListMember, col(ListMember.list_id) == col(UserList.id))
        .where(UserList.account_id == owner_id, ListMember.account_id == account_id)
        .order_by(col(UserList.id))
    )
    return list(session.exec(stmt).all())


def lists_with_author(session: Session, author_id: int, owner_ids: Iterable[int]) -> list[UserList]:
    """The lists of these owners that hold this author."""
    owners = list(owner_ids)
    if not owners:
        return []
    stmt = (
        select(UserList)
        .join(ListMember, col(ListMember.list_id) == col(UserList.id))
        .where(ListMember.account_id == author_id, col(UserList.account_id).in_(owners))
    )
    return list(session.exec(stmt).all())


def exclusive_members(owner_id: int) -> Any:
    """A subquery: the accounts in this owner's exclusive lists."""
    return (
        select(ListMember.account_id)
        .join(UserList, col(UserList.id) == col(ListMember.list_id))
        .where(UserList.account_id == owner_id, UserList.exclusive == True)  # noqa: E712
    )


def has_exclusive(session: Session, owner_id: int) -> bool:
    stmt = select(UserList.id).where(UserList.account_id == owner_id, UserList.exclusive == True)  # noqa: E712
    return session.exec(stmt.limit(1)).first() is not None


def reply_allowed(item: UserList) -> Any:
    """Conditions under which a member's reply shows in this list (Mastodon's reply policies)."""
    shown: list[Any] = [
        col(Status.in_reply_to_account_id).is_(None),
        col(Status.in_reply_to_account_id) == col(Status.account_id),
        col(Status.in_reply_to_account_id) == item.account_id,
    ]
    if item.replies_policy == RepliesPolicy.FOLLOWED:
        followed = select(Follow.target_account_id).where(Follow.account_id == item.account_id)
        shown.append(col(Status.in_reply_to_account_id).in_(followed))
    elif item.replies_policy == RepliesPolicy.LIST:
        members = select(ListMember.account_id).where(ListMember.list_id == item.id)
        shown.append(col(Status.in_reply_to_account_id).in_(members))
    return or_(*shown)


def shows(session: Session, item: UserList, status: Status) -> bool:
    """Whether a member's new status belongs in this list, by the same rules as `timeline`."""
    stmt = select(Status.id).where(Status.id == status.id, reply_allowed(item))
    return session.exec(stmt).first() is not None


def timeline(session: Session, item: UserList, page: Page) -> list[Status]:
    """Members' statuses (and boosts) from the owner's home feed, filtered by the reply policy."""
    members = select(ListMember.account_id).where(ListMember.list_id == item.id)
    stmt = (
        select(HomeFeedEntry.status_id)
        .join(Status, col(Status.id) == col(HomeFeedEntry.status_id))
        .where(
            HomeFeedEntry.account_id == item.account_id,
            col(Status.account_id).in_(members),
            reply_allowed(item),
        )
    )
    ids = fetch_page(session, stmt, HomeFeedEntry.status_id, page)
    found = many(session, ids)
    return [found[status_id] for status_id in ids if status_id in found]

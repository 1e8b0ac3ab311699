"""Queries on favourites, bookmarks and pins."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, literal, union_all
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from fedi import memo
from fedi.models.accounts import Account
from fedi.models.interactions import Bookmark, Favourite, Pin
from fedi.models.statuses import Status
from fedi.store.paging import Page, fetch_page

# The tables that mark a status for an account.
StatusMark = type[Favourite] | type[Bookmark] | type[Pin]


def favourite(session: Session, account_id: int, status_id: int) -> Favourite | None:
    return session.exec(
        select(Favourite).where(Favourite.account_id == account_id, Favourite.status_id == status_id)
    ).first()


def favourite_by_uri(session: Session, uri: str) -> Favourite | None:
    return session.exec(select(Favourite).where(Favourite.uri == uri)).first()


def bookmark(session: Session, account_id: int, status_id: int) -> Bookmark | None:
    return session.exec(
        select(Bookmark).where(Bookmark.account_id == account_id, Bookmark.status_id == status_id)
    ).first()


def pin(session: Session, account_id: int, status_id: int) -> Pin | None:
    return session.exec(select(Pin).where(Pin.account_id == account_id, Pin.status_id == status_id)).first()


def pinned_statuses(session: Session, account_id: int) -> list[Status]:
    stmt = (
        select(Status)
        .join(Pin, col(Pin.status_id) == col(Status.id))
        .where(Pin.account_id == account_id)
        .order_by(col(Pin.id).desc())
    )
    return list(session.exec(stmt).all())


def _viewer_flags_statement() -> Any:
    viewer: Any = bindparam("viewer")
    ids: Any = bindparam("ids", expanding=True)
    marks: list[Any] = [
        core_select(literal(name).label("flag"), col(model.status_id).label("status_id")).where(
            col(model.account_id) == viewer, col(model.status_id).in_(ids)
        )
        for model, name in ((Favourite, "favourited"), (Bookmark, "bookmarked"), (Pin, "pinned"))
    ]
    boosts: Any = core_select(
        literal("reblogged").label("flag"), col(Status.reblog_of_id).label("status_id")
    ).where(col(Status.account_id) == viewer, col(Status.reblog_of_id).in_(ids))
    return union_all(*marks, boosts)


# Built once: every page of statuses runs it, and building it cost more than running it.
_VIEWER_FLAGS = _viewer_flags_statement()


def viewer_flags(session: Session, viewer_id: int, status_ids: Iterable[int]) -> dict[str, set[int]]:
    """Which of these statuses the viewer favourited, bookmarked, pinned or boosted (one query:
    every page of statuses asks this)."""
    ids = sorted(set(status_ids))
    flags: dict[str, set[int]] = {name: set() for name in ("favourited", "bookmarked", "pinned", "reblogged")}
    if not ids:
        return flags

    def load() -> list[tuple[str, int]]:
        return [(f, i) for f, i in session.execute(_VIEWER_FLAGS, {"viewer": viewer_id, "ids": ids}).all()]

    for flag, status_id in memo.remembered(session, ("viewer-flags", viewer_id, tuple(ids)), load):
        flags[flag].add(status_id)
    return flags


def favourited_by(session: Session, status_id: int, page: Page) -> list[tuple[Favourite, Account]]:
    stmt = (
        select(Favourite, Account)
        .join(Account, col(Account.id) == col(Favourite.account_id))
        .where(Favourite.status_id == status_id)
    )
    return fetch_page(session, stmt, Favourite.id, page)


def favourites_of(session: Session, account_id: int, page: Page) -> list[tuple[Favourite, Status]]:
    return _collection(session, Favourite, account_id, page)


def bookmarks_of(session: Session, account_id: int, page: Page) -> list[tuple[Bookmark, Status]]:
    return _collection(session, Bookmark, account_id, page)


def _collection(session: Session, model: StatusMark, account_id: int, page: Page) -> list[Any]:
    stmt = (
        select(model, Status)
        .join(Status, col(Status.id) == col(model.status_id))
        .where(col(model.account_id) == account_id)
    )
    return fetch_page(session, stmt, model.id, page)

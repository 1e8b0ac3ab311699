"""Mastodon's id-based paging (max_id, since_id, min_id, limit), for any query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col


@dataclass(frozen=True)
class Page:
    """Ids are exclusive bounds. min_id asks for the page just above it (paging forwards)."""

    limit: int = 20
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None


def fetch_page(session: Session, stmt: Any, id_column: Any, page: Page) -> list[Any]:
    """Run `stmt` bounded and ordered by `id_column`; rows come back newest first."""
    column = col(id_column)
    if page.max_id is not None:
        stmt = stmt.where(column < page.max_id)
    if page.since_id is not None:
        stmt = stmt.where(column > page.since_id)
    if page.min_id is not None:
        stmt = stmt.where(column > page.min_id).order_by(column.asc()).limit(page.limit)
        return list(reversed(session.exec(stmt).all()))
    return list(session.exec(stmt.order_by(column.desc()).limit(page.limit)).all())

"""Mastodon's id-based paging (max_id, since_id, min_id, limit), for any query."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, bindparam
from sqlmodel import Session, col

from fedi import memo


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


# Statements built once per shape -----------------------------------------------------------------
# Building a SQLAlchemy statement costs more than SQLite takes to run a page query: the hot pages
# (home, public) build theirs once per shape (which bounds are given), with the page's values and
# the caller's as bound parameters.
_PREPARED: dict[tuple[Hashable, ...], Any] = {}


def fetch_prepared_page(
    session: Session,
    key: Hashable,
    build: Callable[[], Any],
    id_column: Any,
    page: Page,
    params: dict[str, Any],
) -> list[Any]:
    """Like fetch_page, for `build()` (a statement whose parameters are `params`), which is
    called once per `key` and shape of page. Rows are ids (fedi/memo.py remembers them)."""
    # The ids of a page are remembered too, while the database does not change.
    return memo.remembered(
        session,
        ("page", key, page, tuple(sorted(params.items()))),
        lambda: _fetch_prepared(session, key, build, id_column, page, params),
    )


def _fetch_prepared(
    session: Session,
    key: Hashable,
    build: Callable[[], Any],
    id_column: Any,
    page: Page,
    params: dict[str, Any],
) -> list[Any]:
    shape = (key, page.max_id is not None, page.since_id is not None, page.min_id is not None)
    stmt = _PREPARED.get(shape)
    if stmt is None:
        stmt = _PREPARED[shape] = _bounded(build(), col(id_column), page)
    values = dict(params, page_limit=page.limit)
    for name in ("max_id", "since_id", "min_id"):
        if getattr(page, name) is not None:
            values[f"page_{name}"] = getattr(page, name)
    rows = list(session.execute(stmt, values).scalars().all())
    return list(reversed(rows)) if page.min_id is not None else rows


def _bounded(stmt: Any, column: Any, page: Page) -> Any:
    if page.max_id is not None:
        stmt = stmt.where(column < bindparam("page_max_id"))
    if page.since_id is not None:
        stmt = stmt.where(column > bindparam("page_since_id"))
    limit = bindparam("page_limit", type_=Integer)
    if page.min_id is not None:
        return stmt.where(column > bindparam("page_min_id")).order_by(column.asc()).limit(limit)
    return stmt.order_by(column.desc()).limit(limit)

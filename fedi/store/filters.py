"""Queries on filters, their keywords and statuses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_
from sqlmodel import Session, col, select

from fedi.models.filters import Filter, FilterKeyword, FilterStatus


def of_account(session: Session, account_id: int) -> list[Filter]:
    stmt = select(Filter).where(Filter.account_id == account_id).order_by(col(Filter.id))
    return list(session.exec(stmt).all())


def active_of(session: Session, account_id: int, now: datetime) -> list[Filter]:
    stmt = select(Filter).where(
        Filter.account_id == account_id,
        or_(col(Filter.expires_at).is_(None), col(Filter.expires_at) > now),
    )
    return list(session.exec(stmt.order_by(col(Filter.id))).all())


def count_of(session: Session, account_id: int) -> int:
    return session.exec(select(func.count()).where(Filter.account_id == account_id)).one()


def get_for(session: Session, account_id: int, filter_id: int) -> Filter | None:
    found = session.get(Filter, filter_id)
    return found if found is not None and found.account_id == account_id else None


def keywords_of(session: Session, filter_ids: Sequence[int]) -> dict[int, list[FilterKeyword]]:
    result: dict[int, list[FilterKeyword]] = {i: [] for i in filter_ids}
    if filter_ids:
        stmt = select(FilterKeyword).where(col(FilterKeyword.filter_id).in_(filter_ids))
        for row in session.exec(stmt.order_by(col(FilterKeyword.id))).all():
            result[row.filter_id].append(row)
    return result


def statuses_of(session: Session, filter_ids: Sequence[int]) -> dict[int, list[FilterStatus]]:
    result: dict[int, list[FilterStatus]] = {i: [] for i in filter_ids}
    if filter_ids:
        stmt = select(FilterStatus).where(col(FilterStatus.filter_id).in_(filter_ids))
        for row in session.exec(stmt.order_by(col(FilterStatus.id))).all():
            result[row.filter_id].append(row)
    return result


def keyword_of(session: Session, account_id: int, keyword_id: int) -> FilterKeyword | None:
    row = session.get(FilterKeyword, keyword_id)
    if row is None or get_for(session, account_id, row.filter_id) is None:
        return None
    return row


def status_of(session: Session, account_id: int, row_id: int) -> FilterStatus | None:
    row = session.get(FilterStatus, row_id)
    if row is None or get_for(session, account_id, row.filter_id) is None:
        return None
    return row


def keyword_count(session: Session, filter_id: int) -> int:
    return session.exec(select(func.count()).where(FilterKeyword.filter_id == filter_id)).one()


def remove(session: Session, filter_id: int) -> None:
    session.exec(delete(FilterKeyword).where(col(FilterKeyword.filter_id) == filter_id))
    session.exec(delete(FilterStatus).where(col(FilterStatus.filter_id) == filter_id))
    session.exec(delete(Filter).where(col(Filter.id) == filter_id))


def all_keywords(session: Session, account_id: int) -> list[tuple[FilterKeyword, Filter]]:
    stmt = (
        select(FilterKeyword, Filter)
        .join(Filter, col(Filter.id) == col(FilterKeyword.filter_id))
        .where(Filter.account_id == account_id)
        .order_by(col(FilterKeyword.id))
    )
    return [(k, f) for k, f in session.exec(stmt).all()]

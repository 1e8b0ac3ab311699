"""Trend scores: one row per recently interacted-with post (fedi.services.trends)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from fedi.models.trends import TrendScore


def add(session: Session, status_id: int, combine: Callable[[float | None], float], at: datetime) -> None:
    """Set the post's key to `combine(current key or None)`."""
    row = session.get(TrendScore, status_id)
    if row is None:
        try:
            with session.begin_nested():
                session.add(TrendScore(status_id=status_id, key=combine(None), updated_at=at))
            return
        except IntegrityError:  # another transaction scored it first
            row = session.get(TrendScore, status_id)
            if row is None:
                raise
    row.key = combine(row.key)
    row.updated_at = at
    session.add(row)


def prune(session: Session, before: datetime) -> int:
    """Forget posts nobody has interacted with since `before`."""
    result = session.exec(delete(TrendScore).where(col(TrendScore.updated_at) < before))
    return int(result.rowcount or 0)

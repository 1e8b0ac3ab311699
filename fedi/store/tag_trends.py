"""The raw material of trending tags: recent uses of tags in public statuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from fedi.models.statuses import Status, StatusState, StatusTag, Tag


@dataclass(frozen=True)
class Day:
    """A day of a tag's history: how many public posts used it, by how many people."""

    start: datetime
    uses: int
    accounts: int


def _public_since(since: datetime) -> list[Any]:
    return [
        Status.visibility == "public",
        col(Status.state) == StatusState.PUBLISHED,
        col(Status.reblog_of_id).is_(None),
        col(Status.created_at) >= since,
    ]


def tag_uses(session: Session, since: datetime, *, limit: int) -> list[tuple[int, int, datetime]]:
    """(tag id, author id, time) of each use of a tag in a public status since then, newest first."""
    stmt = (
        select(StatusTag.tag_id, Status.account_id, Status.created_at)
        .join(Status, col(Status.id) == col(StatusTag.status_id))
        .where(*_public_since(since))
        .order_by(col(Status.id).desc())
        .limit(limit)
    )
    return [(t, a, at) for t, a, at in session.exec(stmt).all()]


def tags(session: Session, tag_ids: list[int]) -> dict[int, Tag]:
    if not tag_ids:
        return {}
    return {t.id: t for t in session.exec(select(Tag).where(col(Tag.id).in_(tag_ids))).all()}

"""Queries on featured tags and the statistics shown with them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from fedi.models.featured_tags import FeaturedTag
from fedi.models.statuses import Status, StatusState, StatusTag, Tag

SHOWN = ("public", "unlisted")


@dataclass(frozen=True)
class Featured:
    row: FeaturedTag
    tag: Tag
    statuses_count: int
    last_status_at: datetime | None


def of_account(session: Session, account_id: int) -> list[tuple[FeaturedTag, Tag]]:
    stmt = (
        select(FeaturedTag, Tag)
        .join(Tag, col(Tag.id) == col(FeaturedTag.tag_id))
        .where(FeaturedTag.account_id == account_id)
        .order_by(col(FeaturedTag.id))
    )
    return [(f, t) for f, t in session.exec(stmt).all()]


def get_for(session: Session, account_id: int, featured_id: int) -> FeaturedTag | None:
    row = session.get(FeaturedTag, featured_id)
    return row if row is not None and row.account_id == account_id else None


def existing(session: Session, account_id: int, tag_id: int) -> FeaturedTag | None:
    stmt = select(FeaturedTag).where(FeaturedTag.account_id == account_id, FeaturedTag.tag_id == tag_id)
    return session.exec(stmt).first()


def usage(session: Session, account_id: int, tag_ids: list[int]) -> dict[int, tuple[int, datetime | None]]:
    """(public and unlisted statuses carrying the tag, the latest one's time) per tag."""
    if not tag_ids:
        return {}
    stmt = (
        select(StatusTag.tag_id, func.count(), func.max(Status.created_at))
        .join(Status, col(Status.id) == col(StatusTag.status_id))
        .where(
            Status.account_id == account_id,
            col(Status.visibility).in_(SHOWN),
            col(Status.state) == StatusState.PUBLISHED,
            col(StatusTag.tag_id).in_(tag_ids),
        )
        .group_by(col(StatusTag.tag_id))
    )
    found: dict[int, tuple[int, datetime | None]] = {t: (0, None) for t in tag_ids}
    for tag_id, count, latest in session.exec(stmt).all():
        found[tag_id] = (count, latest)
    return found


def most_used(session: Session, account_id: int, *, limit: int) -> list[Tag]:
    stmt = (
        select(Tag)
        .join(StatusTag, col(StatusTag.tag_id) == col(Tag.id))
        .join(Status, col(Status.id) == col(StatusTag.status_id))
        .where(Status.account_id == account_id, col(Status.visibility).in_(SHOWN))
        .group_by(col(Tag.id))
        .order_by(func.count().desc(), col(Tag.id))
        .limit(limit)
    )
    return list(session.exec(stmt).all())

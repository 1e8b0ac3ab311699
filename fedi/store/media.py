"""Queries on media attachments."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from fedi.models.media import MediaAttachment


def get(session: Session, media_id: int) -> MediaAttachment | None:
    return session.get(MediaAttachment, media_id)


def of_statuses(session: Session, status_ids: Iterable[int]) -> dict[int, list[MediaAttachment]]:
    ids = set(status_ids)
    result: dict[int, list[MediaAttachment]] = {i: [] for i in ids}
    if not ids:
        return result
    stmt = (
        select(MediaAttachment)
        .where(col(MediaAttachment.status_id).in_(ids))
        .order_by(col(MediaAttachment.position), col(MediaAttachment.id))
    )
    for media in session.exec(stmt).all():
        result[media.status_id].append(media)  # type: ignore[index]
    return result


def many(session: Session, ids: Iterable[int]) -> list[MediaAttachment]:
    ids = list(ids)
    if not ids:
        return []
    return list(session.exec(select(MediaAttachment).where(col(MediaAttachment.id).in_(ids))).all())

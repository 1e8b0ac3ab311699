"""Queries on media attachments."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

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


def uncached_remote_images(session: Session, status_id: int) -> list[tuple[int, str]]:
    """(id, remote URL) of a remote post's images that have no copy in media storage yet."""
    stmt = select(MediaAttachment.id, MediaAttachment.remote_url).where(
        col(MediaAttachment.status_id) == status_id,
        col(MediaAttachment.type) == "image",
        col(MediaAttachment.remote_url).is_not(None),
        col(MediaAttachment.file_key).is_(None),
    )
    return [(media_id, url) for media_id, url in session.exec(stmt).all() if url is not None]


def cached_remote_before(session: Session, cutoff: datetime, limit: int) -> list[MediaAttachment]:
    """Remote images with a copy in media storage, attached before `cutoff`."""
    stmt = (
        select(MediaAttachment)
        .where(
            col(MediaAttachment.remote_url).is_not(None),
            col(MediaAttachment.file_key).is_not(None),
            col(MediaAttachment.created_at) <= cutoff,
        )
        .limit(limit)
    )
    return list(session.exec(stmt).all())

"""Queries on custom emoji and the statuses that show them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import delete
from sqlmodel import Session, col, select

from fedi.models.emojis import LOCAL, CustomEmoji, StatusEmoji


def local(session: Session) -> list[CustomEmoji]:
    stmt = select(CustomEmoji).where(CustomEmoji.domain == LOCAL).order_by(col(CustomEmoji.shortcode))
    return list(session.exec(stmt).all())


def by_shortcode(session: Session, shortcode: str, domain: str = LOCAL) -> CustomEmoji | None:
    stmt = select(CustomEmoji).where(CustomEmoji.shortcode == shortcode, CustomEmoji.domain == domain)
    return session.exec(stmt).first()


def by_shortcodes(session: Session, shortcodes: Collection[str], domain: str = LOCAL) -> list[CustomEmoji]:
    if not shortcodes:
        return []
    stmt = (
        select(CustomEmoji)
        .where(CustomEmoji.domain == domain, col(CustomEmoji.shortcode).in_(set(shortcodes)))
        .order_by(col(CustomEmoji.shortcode))
    )
    return list(session.exec(stmt).all())


def set_for_status(session: Session, status_id: int, emoji_ids: Collection[int]) -> None:
    session.exec(delete(StatusEmoji).where(col(StatusEmoji.status_id) == status_id))
    for emoji_id in sorted(set(emoji_ids)):
        session.add(StatusEmoji(status_id=status_id, emoji_id=emoji_id))
    session.flush()


def of_statuses(session: Session, status_ids: Collection[int]) -> dict[int, list[CustomEmoji]]:
    if not status_ids:
        return {}
    stmt = (
        select(StatusEmoji.status_id, CustomEmoji)
        .join(CustomEmoji, col(CustomEmoji.id) == col(StatusEmoji.emoji_id))
        .where(col(StatusEmoji.status_id).in_(set(status_ids)))
        .order_by(col(CustomEmoji.shortcode))
    )
    found: dict[int, list[CustomEmoji]] = defaultdict(list)
    for status_id, emoji in session.exec(stmt).all():
        found[status_id].append(emoji)
    return dict(found)

"""Read markers: where a user stopped reading their home timeline and notifications, shared
between their apps (Ivory, Tusky and the web keep the same position)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from fedi.errors import Unprocessable
from fedi.models.accounts import Account
from fedi.models.notifications import Marker
from fedi.store import notifications as store

TIMELINES = ("home", "notifications")
MAX_UNREAD = 1000


def get(session: Session, viewer: Account, timelines: list[str]) -> list[Marker]:
    return store.markers(session, viewer.id, [t for t in timelines if t in TIMELINES])


def save(session: Session, viewer: Account, positions: dict[str, int]) -> list[Marker]:
    unknown = [t for t in positions if t not in TIMELINES]
    if unknown:
        raise Unprocessable(f"unknown timeline {unknown[0]!r}", field=unknown[0])
    now = datetime.now(UTC)
    return [store.save_marker(session, viewer.id, t, last_read, now) for t, last_read in positions.items()]


def unread_notifications(session: Session, viewer: Account) -> int:
    """Notifications since the notifications marker, counted up to a thousand."""
    marker = next(iter(store.markers(session, viewer.id, ["notifications"])), None)
    return store.count_after(session, viewer.id, marker.last_read_id if marker else 0, limit=MAX_UNREAD)

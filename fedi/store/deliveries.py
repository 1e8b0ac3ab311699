"""The delivery queue: claiming due deliveries, recording outcomes, peers' health rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, update
from sqlmodel import Session, col, func, select

from fedi.models.accounts import Account
from fedi.models.federation import Delivery, DeliveryState, Peer


def _unclaimed(now: datetime) -> ColumnElement[bool]:
    return (col(Delivery.lease_until).is_(None)) | (col(Delivery.lease_until) < now)


def claim(
    session: Session,
    activity_id: int,
    *,
    due_by: datetime,
    now: datetime,
    limit: int,
    lease: timedelta,
    holder: str,
) -> list[Delivery]:
    """Lease up to `limit` pending deliveries of one activity that were due by `due_by`."""
    due = (
        select(Delivery.id)
        .where(
            Delivery.activity_id == activity_id,
            col(Delivery.state) == DeliveryState.PENDING,
            col(Delivery.next_attempt_at) <= due_by,
            _unclaimed(now),
        )
        .order_by(col(Delivery.id))
        .limit(limit)
    )
    ids = list(session.exec(due).all())
    if not ids:
        return []
    # The WHERE is checked again under the row lock: of two concurrent jobs, one wins each row.
    claimed = session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(ids), col(Delivery.state) == DeliveryState.PENDING, _unclaimed(now))
        .values(lease_until=now + lease, lease_holder=holder)
        .returning(col(Delivery.id))
    ).scalars()
    return list(session.exec(select(Delivery).where(col(Delivery.id).in_(list(claimed)))).all())


def release_leases(session: Session) -> None:
    """Forget every claim: called when the only consumer starts, so its dead claims free at once."""
    session.exec(
        update(Delivery)
        .where(col(Delivery.state) == DeliveryState.PENDING)
        .values(lease_until=None, lease_holder=None)
    )


def release_leases_of(session: Session, holder: str) -> int:
    """Forget the claims of one process that is gone (its jobs went back on the queue)."""
    result = session.exec(
        update(Delivery)
        .where(col(Delivery.state) == DeliveryState.PENDING, col(Delivery.lease_holder) == holder)
        .values(lease_until=None, lease_holder=None)
    )
    return int(result.rowcount or 0)


def record(session: Session, rows: list[dict[str, Any]]) -> None:
    """Write outcomes in one bulk UPDATE; each row holds `id` and the columns to set."""
    session.execute(update(Delivery), rows)


def peers(session: Session, hosts: Iterable[str]) -> dict[str, Peer]:
    return {p.host: p for p in session.exec(select(Peer).where(col(Peer.host).in_(set(hosts)))).all()}


def forget_inbox(session: Session, inbox_url: str, now: datetime) -> None:
    """Mark remote actors at this inbox deleted and end their pending deliveries."""
    session.exec(
        update(Account)
        .where(col(Account.inbox_url) == inbox_url, col(Account.domain).is_not(None))
        .values(deleted_at=now)
    )
    session.exec(
        update(Delivery)
        .where(col(Delivery.inbox_url) == inbox_url, col(Delivery.state) == DeliveryState.PENDING)
        .values(**Delivery.gone(now))
    )


def next_attempt_at(session: Session, activity_id: int) -> datetime | None:
    """When the earliest pending delivery of an activity can next be sent (due, and not claimed
    by a run in progress), or None when none is left."""
    leased = col(Delivery.lease_until).is_not(None) & (
        col(Delivery.lease_until) > col(Delivery.next_attempt_at)
    )
    sendable_at = case((leased, col(Delivery.lease_until)), else_=col(Delivery.next_attempt_at))
    earliest: datetime | None = session.exec(
        select(func.min(sendable_at)).where(
            Delivery.activity_id == activity_id, col(Delivery.state) == DeliveryState.PENDING
        )
    ).one()
    return earliest


def due_activity_ids(session: Session, now: datetime, *, limit: int) -> list[int]:
    """Activities with deliveries that are due and unclaimed."""
    stmt = (
        select(Delivery.activity_id)
        .where(
            col(Delivery.state) == DeliveryState.PENDING,
            col(Delivery.next_attempt_at) <= now,
            _unclaimed(now),
        )
        .distinct()
        .limit(limit)
    )
    return list(session.exec(stmt).all())

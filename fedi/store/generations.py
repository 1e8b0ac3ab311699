"""Queries on image generations: quotas, the in-flight queue, recovery."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from fedi.models.generations import IN_FLIGHT, Generation, GenerationState


def count_by_account_since(session: Session, account_id: int, since: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(Generation)
        .where(Generation.account_id == account_id, col(Generation.created_at) > since)
    )
    return session.exec(stmt).one()


def count_by_quota_domain_since(session: Session, quota_domain: str, since: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(Generation)
        .where(Generation.quota_domain == quota_domain, col(Generation.created_at) > since)
    )
    return session.exec(stmt).one()


def count_in_flight(session: Session, account_id: int | None = None) -> int:
    """Generations queued or running: one account's, or everyone's."""
    stmt = select(func.count()).select_from(Generation).where(col(Generation.state).in_(IN_FLIGHT))
    if account_id is not None:
        stmt = stmt.where(Generation.account_id == account_id)
    return session.exec(stmt).one()


def in_flight_created_by(session: Session, cutoff: datetime) -> Sequence[Generation]:
    """Generations still queued or running that were asked for at or before `cutoff`."""
    stmt = select(Generation).where(
        col(Generation.state).in_(IN_FLIGHT), col(Generation.created_at) <= cutoff
    )
    return session.exec(stmt).all()


def held(session: Session, limit: int) -> Sequence[Generation]:
    """Generations whose image waits for a moderator, oldest first."""
    stmt = (
        select(Generation)
        .where(col(Generation.state) == GenerationState.HELD)
        .order_by(col(Generation.id))
        .limit(limit)
    )
    return session.exec(stmt).all()

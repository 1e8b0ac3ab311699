"""Queries on polls and their votes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from fedi.models.polls import Poll, PollVote


def get(session: Session, poll_id: int) -> Poll | None:
    return session.get(Poll, poll_id)


def of_status(session: Session, status_id: int) -> Poll | None:
    return session.exec(select(Poll).where(Poll.status_id == status_id)).first()


def of_statuses(session: Session, status_ids: Iterable[int]) -> dict[int, Poll]:
    ids = set(status_ids)
    if not ids:
        return {}
    return {p.status_id: p for p in session.exec(select(Poll).where(col(Poll.status_id).in_(ids))).all()}


def choices_of(session: Session, account_id: int, poll_ids: Iterable[int]) -> dict[int, list[int]]:
    """The options each poll's voter chose, by poll."""
    ids = set(poll_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(PollVote.poll_id, PollVote.choice)
        .where(PollVote.account_id == account_id, col(PollVote.poll_id).in_(ids))
        .order_by(col(PollVote.choice))
    ).all()
    found: dict[int, list[int]] = {}
    for poll_id, choice in rows:
        found.setdefault(poll_id, []).append(choice)
    return found


def tallies(session: Session, poll: Poll) -> tuple[list[int], int]:
    """Votes per option and distinct voters, counted from the stored votes."""
    counts = dict(
        session.exec(
            select(PollVote.choice, func.count())
            .where(PollVote.poll_id == poll.id)
            .group_by(col(PollVote.choice))
        ).all()
    )
    voters = session.exec(
        select(func.count(func.distinct(PollVote.account_id))).where(PollVote.poll_id == poll.id)
    ).one()
    return [int(counts.get(i, 0)) for i in range(len(poll.options))], int(voters)


def voter_ids(session: Session, poll_id: int) -> list[int]:
    return list(session.exec(select(PollVote.account_id).where(PollVote.poll_id == poll_id).distinct()).all())


def votes_of(session: Session, poll_id: int) -> list[PollVote]:
    return list(session.exec(select(PollVote).where(PollVote.poll_id == poll_id)).all())


def ended_unclosed(session: Session, now: datetime, limit: int) -> list[int]:
    """Polls past their end whose end was not handled yet, oldest first."""
    return list(
        session.exec(
            select(Poll.id)
            .where(col(Poll.closed_at).is_(None), col(Poll.expires_at) <= now)
            .order_by(col(Poll.expires_at))
            .limit(limit)
        ).all()
    )


def totals_overdue(session: Session, before: datetime, limit: int) -> list[int]:
    """Polls whose new totals should have gone out before `before`."""
    return list(session.exec(select(Poll.id).where(col(Poll.totals_due_at) < before).limit(limit)).all())

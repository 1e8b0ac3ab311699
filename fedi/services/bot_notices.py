"""The image bot's answer when generation is not ready: one polite reply per asker per day.

Anyone can mention the bot again and again; while images cannot be made, each asker hears why
once, and later mentions that day go unanswered rather than filling their notifications.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from fedi.services.readiness import Readiness
from fedi.store import notices as store

NOT_READY = "generation_not_ready"
PERIOD = timedelta(days=1)


def first_today(session: Session, account_id: int, kind: str, *, now: datetime | None = None) -> bool:
    """Whether the bot may send `kind` to this account now (and, if so, it is recorded as sent)."""
    now = now or datetime.now(UTC)
    return store.claim(session, account_id, kind, now=now, since=now - PERIOD)


def not_ready_text(state: Readiness) -> str:
    return f"thanks for asking! {state.message} I won't make pictures until then, and I'll say so only once a day."

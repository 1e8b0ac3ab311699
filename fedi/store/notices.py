"""The bot's notice log: claim the right to send a notice, at most once per period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from fedi.models.notices import BotNotice


def claim(session: Session, account_id: int, kind: str, *, now: datetime, since: datetime) -> bool:
    """True if no `kind` notice went to the account after `since`; records `now` as sent.

    Atomic across processes: an update that only matches an old notice, or else an insert that
    the primary key lets only one writer make.
    """
    renewed = session.execute(
        update(BotNotice)
        .where(
            col(BotNotice.account_id) == account_id,
            col(BotNotice.kind) == kind,
            col(BotNotice.sent_at) <= since,
        )
        .values(sent_at=now)
    )
    if getattr(renewed, "rowcount", 0) == 1:
        return True
    if session.get(BotNotice, (account_id, kind)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(BotNotice(account_id=account_id, kind=kind, sent_at=now))
    except IntegrityError:
        return False
    return True

"""Queries on the image bot's replies: what its reply limits count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from fedi.models.generations import BotReply, BotReplyKind


def count_to_account_since(
    session: Session, account_id: int, since: datetime, kind: BotReplyKind | None = None
) -> int:
    stmt = (
        select(func.count())
        .select_from(BotReply)
        .where(BotReply.account_id == account_id, col(BotReply.created_at) > since)
    )
    if kind is not None:
        stmt = stmt.where(BotReply.kind == kind)
    return session.exec(stmt).one()


def count_to_domain_since(session: Session, domain: str, since: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(BotReply)
        .where(BotReply.domain == domain, col(BotReply.created_at) > since)
    )
    return session.exec(stmt).one()

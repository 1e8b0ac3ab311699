"""Queries on direct conversations."""

from __future__ import annotations

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from fedi.models.conversations import Conversation, ConversationStatus
from fedi.store.paging import Page


def find(session: Session, account_id: int, thread: str, participant_ids: list[int]) -> Conversation | None:
    stmt = select(Conversation).where(Conversation.account_id == account_id, Conversation.thread == thread)
    return next((c for c in session.exec(stmt).all() if c.participant_ids == participant_ids), None)


def thread_of(session: Session, account_id: int, status_id: int) -> str | None:
    """The thread of this account's conversation holding the status, if one does."""
    stmt = (
        select(Conversation.thread)
        .join(ConversationStatus, col(ConversationStatus.conversation_id) == col(Conversation.id))
        .where(Conversation.account_id == account_id, ConversationStatus.status_id == status_id)
    )
    return session.exec(stmt.limit(1)).first()


def add_status(session: Session, conversation_id: int, status_id: int) -> None:
    if session.get(ConversationStatus, (conversation_id, status_id)) is None:
        session.add(ConversationStatus(conversation_id=conversation_id, status_id=status_id))


def holding(session: Session, status_id: int) -> list[Conversation]:
    stmt = (
        select(Conversation)
        .join(ConversationStatus, col(ConversationStatus.conversation_id) == col(Conversation.id))
        .where(ConversationStatus.status_id == status_id)
    )
    return list(session.exec(stmt).all())


def newest_status_except(session: Session, conversation_id: int, status_id: int) -> int | None:
    stmt = select(func.max(ConversationStatus.status_id)).where(
        ConversationStatus.conversation_id == conversation_id, ConversationStatus.status_id != status_id
    )
    return session.exec(stmt).one()


def page_for(session: Session, account_id: int, page: Page) -> list[Conversation]:
    """Conversations newest first, paged by their last status's id (as Mastodon pages them)."""
    column = col(Conversation.last_status_id)
    stmt = select(Conversation).where(Conversation.account_id == account_id, column.is_not(None))
    if page.max_id is not None:
        stmt = stmt.where(column < page.max_id)
    if page.since_id is not None:
        stmt = stmt.where(column > page.since_id)
    if page.min_id is not None:
        stmt = stmt.where(column > page.min_id).order_by(column.asc()).limit(page.limit)
        return list(reversed(session.exec(stmt).all()))
    return list(session.exec(stmt.order_by(column.desc()).limit(page.limit)).all())


def get_for(session: Session, account_id: int, conversation_id: int) -> Conversation | None:
    found = session.get(Conversation, conversation_id)
    return found if found is not None and found.account_id == account_id else None


def remove(session: Session, conversation_id: int) -> None:
    session.exec(delete(ConversationStatus).where(col(ConversationStatus.conversation_id) == conversation_id))
    session.exec(delete(Conversation).where(col(Conversation.id) == conversation_id))

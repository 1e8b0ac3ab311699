"""Muted conversations: which thread a status belongs to, and who mutes which threads."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, col, select

from fedi.models.conversations import ConversationMute
from fedi.models.statuses import Status

MAX_DEPTH = 40


def thread_of(session: Session, status: Status, known: dict[int, str] | None = None) -> str:
    """The URI of the first post of the status's thread that is known here, or of the post it
    answers (which is the same for every reply below it). `known` remembers the threads of the
    statuses walked through, so a page of replies in one thread walks it once."""
    known = {} if known is None else known
    walked, top = [status.id], status
    while top.id not in known and top.in_reply_to_id is not None and len(walked) <= MAX_DEPTH:
        parent = session.get(Status, top.in_reply_to_id)
        if parent is None:
            break
        top = parent
        walked.append(top.id)
    thread = known.get(top.id) or top.in_reply_to_uri or top.uri
    known.update(dict.fromkeys(walked, thread))
    return thread


def threads_muted_by(session: Session, account_id: int) -> set[str]:
    stmt = select(ConversationMute.thread).where(ConversationMute.account_id == account_id)
    return set(session.exec(stmt).all())


def mute(session: Session, account_id: int, thread: str) -> None:
    if thread not in threads_muted_by(session, account_id):
        session.add(ConversationMute(account_id=account_id, thread=thread))


def unmute(session: Session, account_id: int, thread: str) -> None:
    session.exec(
        delete(ConversationMute).where(
            col(ConversationMute.account_id) == account_id, col(ConversationMute.thread) == thread
        )
    )

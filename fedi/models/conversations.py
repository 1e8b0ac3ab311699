"""Direct conversations as each local participant sees them (Mastodon's AccountConversation)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from fedi.models.base import bigint_fk, id_field, json_list


class Conversation(SQLModel, table=True):
    """One account's view of a direct thread with a fixed set of other participants."""

    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_account_id_last_status_id", "account_id", "last_status_id"),
        Index("ix_conversations_account_id_thread", "account_id", "thread"),
    )

    id: int = id_field()
    account_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)
    )
    # The thread: the URI of the status the first direct post answered, or its own URI.
    thread: str = Field(max_length=2048)
    # The other participants' account ids, sorted.
    participant_ids: list[int] = json_list()
    last_status_id: int | None = bigint_fk("statuses.id", nullable=True, index=False, ondelete="SET NULL")
    unread: bool = False


class ConversationStatus(SQLModel, table=True):
    __tablename__ = "conversation_statuses"

    conversation_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    )
    status_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


class ConversationMute(SQLModel, table=True):
    """A thread whose notifications an account no longer wants (muting a conversation)."""

    __tablename__ = "conversation_mutes"
    __table_args__ = (UniqueConstraint("account_id", "thread", name="uq_conversation_mutes_account_thread"),)

    id: int = id_field()
    account_id: int = bigint_fk("accounts.id")
    # The URI of the thread's first post (or of the post the first one known here answers).
    thread: str = Field(max_length=2048)

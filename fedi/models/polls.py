"""Polls attached to statuses (local or received as a `Question`) and the votes cast on them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from fedi.models.base import bigint_fk, id_field, json_list, time_now, time_or_none

# The limits a local poll is held to, advertised in the instance's `configuration.polls`
# (Mastodon's defaults).
MAX_OPTIONS = 4
MAX_CHARACTERS_PER_OPTION = 50
MIN_EXPIRATION = 300  # seconds
MAX_EXPIRATION = 2_629_746  # a month


class Poll(SQLModel, table=True):
    __tablename__ = "polls"

    id: int = id_field()
    status_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    account_id: int = bigint_fk("accounts.id")
    options: list[str] = json_list()
    # Votes per option, in the order of `options` (for remote polls, as their server last said).
    cached_tallies: list[int] = json_list()
    multiple: bool = False
    hide_totals: bool = False
    votes_count: int = 0
    # Distinct voters; None for a remote poll whose server does not say (`votersCount`).
    voters_count: int | None = None
    expires_at: datetime | None = time_or_none(index=True)
    # When its expiry was handled (voters notified, final totals federated).
    closed_at: datetime | None = time_or_none()
    # A local poll's new totals are federated once this passes (votes within it are sent together).
    totals_due_at: datetime | None = time_or_none()
    created_at: datetime = time_now()


class PollVote(SQLModel, table=True):
    __tablename__ = "poll_votes"
    __table_args__ = (UniqueConstraint("poll_id", "account_id", "choice", name="uq_poll_votes_choice"),)

    id: int = id_field()
    poll_id: int = bigint_fk("polls.id")
    account_id: int = bigint_fk("accounts.id")
    choice: int = Field(sa_column=Column(Integer, nullable=False))
    # The vote's `Note` id (received votes, and ours on remote polls).
    uri: str | None = Field(default=None, max_length=2048)
    created_at: datetime = time_now()

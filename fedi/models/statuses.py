"""Statuses (posts and boosts), their edits, mentions and hashtags."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from fedi.models.base import bigint_fk, id_field, json_dict, json_list, state_field, time_now, time_or_none

VISIBILITIES = ("public", "unlisted", "private", "direct")


class StatusState(StrEnum):
    PUBLISHED = "published"
    # Its generated images are being made: only the author sees it, nothing is federated.
    PROCESSING = "processing"
    # They could not be made.
    FAILED = "failed"


class Status(SQLModel, table=True):
    """A post, or a boost of one (`reblog_of_id` set, no content of its own)."""

    __tablename__ = "statuses"
    __table_args__ = (
        Index("ix_statuses_account_id_id", "account_id", "id"),
        Index("ix_statuses_visibility_id", "visibility", "id"),
    )

    id: int = id_field()
    uri: str = Field(max_length=2048, unique=True)
    url: str | None = Field(default=None, max_length=2048)
    account_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)
    )
    local: bool = False
    in_reply_to_id: int | None = bigint_fk("statuses.id", nullable=True, ondelete="SET NULL")
    in_reply_to_account_id: int | None = bigint_fk("accounts.id", nullable=True, ondelete="SET NULL")
    # The parent's URI, kept even when the parent is unknown here (threads fill in later).
    in_reply_to_uri: str | None = Field(default=None, max_length=2048, index=True)
    reblog_of_id: int | None = bigint_fk("statuses.id", nullable=True)
    content: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # What the author typed (local statuses): returned by delete-and-redraft and /source.
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    spoiler_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    sensitive: bool = False
    visibility: str = Field(default="public", max_length=16)
    language: str | None = Field(default=None, max_length=16)
    # {"name": ..., "website": ...} of the client app that posted it (Mastodon's `application`).
    application: dict[str, Any] | None = json_dict(nullable=True)
    state: StatusState = state_field(StatusState.PUBLISHED)
    remix_of_uri: str | None = Field(default=None, max_length=2048, index=True)
    replies_count: int = 0
    reblogs_count: int = 0
    favourites_count: int = 0
    created_at: datetime = time_now()
    edited_at: datetime | None = time_or_none()

    @property
    def published(self) -> bool:
        return self.state == StatusState.PUBLISHED

    @property
    def processing(self) -> bool:
        return self.state == StatusState.PROCESSING

    def publish(self) -> None:
        """Its images are ready: it is published (and federated) now."""
        self.state = StatusState.PUBLISHED

    def fail(self) -> None:
        """Its images could not be made."""
        self.state = StatusState.FAILED


class StatusEdit(SQLModel, table=True):
    """A previous (or the current) revision of a status, for the edit history."""

    __tablename__ = "status_edits"

    id: int = id_field()
    status_id: int = bigint_fk("statuses.id")
    content: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    spoiler_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    sensitive: bool = False
    # [{"id": ..., "description": ...}] of the media at that revision.
    media: list[dict[str, Any]] = json_list()
    created_at: datetime = time_now()


class Mention(SQLModel, table=True):
    __tablename__ = "mentions"
    __table_args__ = (UniqueConstraint("status_id", "account_id", name="uq_mentions_status_account"),)

    id: int = id_field()
    status_id: int = bigint_fk("statuses.id")
    account_id: int = bigint_fk("accounts.id")


class Tag(SQLModel, table=True):
    __tablename__ = "tags"

    id: int = id_field()
    # Lower-cased for matching; `display_name` keeps the first spelling seen.
    name: str = Field(max_length=255, unique=True)
    display_name: str = Field(max_length=255)


class StatusTag(SQLModel, table=True):
    __tablename__ = "status_tags"
    __table_args__ = (Index("ix_status_tags_tag_id_status_id", "tag_id", "status_id"),)

    status_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True)
    )
    tag_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    )


class HomeFeedEntry(SQLModel, table=True):
    """One status in one local account's home timeline (fan-out on write).

    Paging a home timeline is then an index range scan whose cost grows with the page, not with
    the table (bench/timeline.py measures it).
    """

    __tablename__ = "home_feed"

    account_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    )
    status_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True)
    )


class IdempotencyKey(SQLModel, table=True):
    """`Idempotency-Key` of a status creation, kept an hour (Mastodon's rule)."""

    __tablename__ = "idempotency_keys"

    account_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    )
    key: str = Field(sa_column=Column(Text, primary_key=True))
    status_id: int = bigint_fk("statuses.id", index=False)
    created_at: datetime = time_now(index=True)

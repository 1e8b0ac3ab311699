"""Notifications and read markers of local accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index
from sqlmodel import Field, SQLModel

from fedi.models.base import bigint_fk, id_field, time_now

NOTIFICATION_TYPES = (
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "update",
    "admin.report",
    "admin.sign_up",
    # Someone remixed or edited the recipient's image (fedi's own type: shown to stock clients,
    # which do not know it, as a mention).
    "fedi_remix",
    "poll",
)
# Mastodon 4.3 groups these: favourites and boosts of one status, and follows.
GROUPABLE_TYPES = ("favourite", "reblog", "follow")


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_account_id_id", "account_id", "id"),
        Index("ix_notifications_account_id_group_key", "account_id", "group_key"),
    )

    id: int = id_field()
    # The local account notified.
    account_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)
    )
    from_account_id: int = bigint_fk("accounts.id")
    type: str = Field(max_length=32)
    status_id: int | None = bigint_fk("statuses.id", nullable=True)
    # The report an admin.report notification is about.
    report_id: int | None = bigint_fk("reports.id", nullable=True)
    # "<type>[-<status id>]-<hour bucket>" for groupable types; None for the others.
    group_key: str | None = Field(default=None, max_length=64)
    created_at: datetime = time_now()


class Marker(SQLModel, table=True):
    """Where a user stopped reading a timeline ("home" or "notifications")."""

    __tablename__ = "markers"

    account_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    )
    timeline: str = Field(max_length=16, primary_key=True)
    last_read_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    version: int = 1
    updated_at: datetime = time_now()

"""Notifications and read markers of local accounts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Index, UniqueConstraint
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
    # Held by the recipient's notification policy: shown only through its notification request.
    filtered: bool = False
    created_at: datetime = time_now()


class PolicyAction(StrEnum):
    """What a notification policy does with a category of notifications (Mastodon 4.3)."""

    ACCEPT = "accept"
    FILTER = "filter"
    DROP = "drop"


class NotificationPolicy(SQLModel, table=True):
    """A local account's notification policy; no row means every category is accepted."""

    __tablename__ = "notification_policies"

    account_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    )
    for_not_following: str = Field(default=PolicyAction.ACCEPT, max_length=8)
    for_not_followers: str = Field(default=PolicyAction.ACCEPT, max_length=8)
    for_new_accounts: str = Field(default=PolicyAction.ACCEPT, max_length=8)
    for_private_mentions: str = Field(default=PolicyAction.ACCEPT, max_length=8)
    for_limited_accounts: str = Field(default=PolicyAction.ACCEPT, max_length=8)


class NotificationRequest(SQLModel, table=True):
    """The filtered notifications one account holds from one sender, waiting to be accepted."""

    __tablename__ = "notification_requests"
    __table_args__ = (
        UniqueConstraint("account_id", "from_account_id", name="uq_notification_requests_account_from"),
    )

    id: int = id_field()
    account_id: int = bigint_fk("accounts.id")
    from_account_id: int = bigint_fk("accounts.id")
    last_status_id: int | None = bigint_fk("statuses.id", nullable=True, ondelete="SET NULL")
    notifications_count: int = 0
    created_at: datetime = time_now()
    updated_at: datetime = time_now()


class NotificationPermission(SQLModel, table=True):
    """A sender whose notifications pass the recipient's policy (an accepted request)."""

    __tablename__ = "notification_permissions"

    account_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    )
    from_account_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    )


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
